//! `operations!`: an `#[OpenApi]` impl in which several operations share one signature and
//! body. poem-openapi reads only the methods written in the impl it is given (a macro call
//! inside the impl is not expanded before it looks), so the shared operations are written out
//! here, before it sees them.

/// An `#[OpenApi]` impl: first the operations written out as usual, then groups of operations
/// that differ only in their docs, `#[oai]` attribute, name, answer type and the function the
/// shared body calls (bound to the name between the bars).
///
/// ```ignore
/// operations! {
///     #[OpenApi(tag = "Tag::Example")]
///     impl ExampleApi {
///         // operations written out
///     }
///     shared |get| (&self, caller: Caller, id: Query<i64>) {
///         get(&self.0, &caller, id.0).await.map(Into::into).into()
///     } for {
///         /// Get an a
///         #[oai(path = "/a", method = "get")]
///         fn a() -> R<A> = domain::a;
///         /// Get a b
///         #[oai(path = "/b", method = "get")]
///         fn b() -> R<B> = domain::b;
///     }
/// }
/// ```
macro_rules! operations {
    (
        #[$api:meta]
        impl $ty:ident { $($written:tt)* }
        $(
            shared |$f:ident| $params:tt $body:block for {
                $(
                    $(#[$attr:meta])*
                    fn $name:ident() -> $ret:ty = $op:expr;
                )+
            }
        )*
    ) => {
        #[$api]
        impl $ty {
            $($written)*
            $($(
                $(#[$attr])*
                async fn $name $params -> $ret {
                    let $f = $op;
                    $body
                }
            )+)*
        }
    };
}
pub(crate) use operations;
