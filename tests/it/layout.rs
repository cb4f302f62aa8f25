//! The layout holds: the domain's capability folders depend on each other one way only (no
//! circle), and the foundation below the domain (state, cache, events, error, crypto, config)
//! names nothing of the domain or of the HTTP layer.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The source without comments (doc comments may name other modules).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names following `prefix` in `code` (`crate::domain::users::x` -> `users`).
fn named_after(code: &str, prefix: &str) -> BTreeSet<String> {
    code.match_indices(prefix)
        .map(|(i, _)| {
            code[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Folder -> the other domain folders (and top-level modules) its code names.
fn domain_graph() -> BTreeMap<String, BTreeSet<String>> {
    let domain = src().join("domain");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&domain) {
        let rel = file.strip_prefix(&domain).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let folder = first.trim_end_matches(".rs").to_string();
        if folder == "mod" {
            continue;
        }
        let code = code_of(&file);
        let mut deps = named_after(&code, "crate::domain::");
        deps.remove(&folder);
        graph.entry(folder).or_default().extend(deps);
    }
    graph
}

#[test]
fn the_domain_has_capability_folders_without_a_circle() {
    let graph = domain_graph();
    let folders: Vec<&String> = graph
        .keys()
        .filter(|f| src().join("domain").join(f).is_dir())
        .collect();
    assert!(folders.len() >= 4, "capability folders: {folders:?}");
    // depth-first search for a cycle
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(i) = path.iter().position(|n| *n == node) {
            panic!("import circle between domain folders: {:?}", &path[i..]);
        }
        if done.contains(node) {
            return;
        }
        path.push(node);
        for dep in graph.get(node).into_iter().flatten() {
            visit(dep, graph, path, done);
        }
        path.pop();
        done.insert(node);
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut vec![], &mut done);
    }
}

#[test]
fn the_layers_point_one_way() {
    // users know neither friends nor groups; common knows no capability
    let graph = domain_graph();
    for (folder, forbidden) in [
        (
            "common",
            &["identity", "users", "roster", "groups", "accounts"][..],
        ),
        ("identity", &["users", "roster", "groups", "accounts"][..]),
        ("users", &["roster", "groups", "accounts"][..]),
        ("roster", &["groups", "accounts"][..]),
        ("groups", &["roster", "accounts"][..]),
    ] {
        let deps = &graph[folder];
        for f in forbidden {
            assert!(!deps.contains(*f), "domain::{folder} uses domain::{f}");
        }
    }
    // the foundation below the domain names neither the domain nor the HTTP layer
    for file in ["state.rs", "error.rs", "crypto.rs", "config.rs", "clock.rs"]
        .iter()
        .map(|f| src().join(f))
        .chain(rust_files(&src().join("cache")))
        .chain(rust_files(&src().join("events")))
    {
        let code = code_of(&file);
        for layer in ["crate::domain", "crate::api"] {
            assert!(!code.contains(layer), "{} uses {layer}", file.display());
        }
    }
}
