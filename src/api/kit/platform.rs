//! The device platform of a login that does not name one, guessed at the HTTP edge from the
//! request's User-Agent.

/// Platform from the User-Agent when the client did not say: 1 ios, 2 android, 3 windows,
/// 4 mac, 5 linux, 6 web (a browser), 0 unknown.
pub fn platform_from_user_agent(ua: Option<&str>) -> i32 {
    let Some(ua) = ua else { return 0 };
    // whole words only: "axios" holds "ios", "darwinbot" holds "darwin"
    let lower = ua.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let mac_os = words.windows(2).any(|pair| pair == ["mac", "os"]);
    if has("iphone") || has("ipad") || has("ipod") || has("ios") {
        1
    } else if has("android") {
        2
    } else if has("mozilla") {
        6
    } else if has("windows") {
        3
    } else if mac_os || has("macintosh") || has("darwin") {
        4
    } else if has("linux") {
        5
    } else {
        0
    }
}

#[cfg(test)]
mod platform_tests {
    use super::platform_from_user_agent as platform;

    #[test]
    fn whole_words_of_the_user_agent() {
        assert_eq!(platform(Some("axios/0.26.1")), 0);
        assert_eq!(
            platform(Some(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
            )),
            6
        );
        assert_eq!(
            platform(Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"
            )),
            1
        );
        assert_eq!(platform(Some("okhttp/4.9 (Android 14)")), 2);
        assert_eq!(platform(Some("MyApp/1.0 (Windows NT 10.0)")), 3);
        assert_eq!(platform(Some("MyApp/1.0 (Mac OS X 14_1)")), 4);
        assert_eq!(platform(Some("curl/8.0 (x86_64-pc-linux-gnu)")), 5);
        assert_eq!(platform(Some("MyApp/1.0 ios")), 1);
        assert_eq!(platform(Some("Bios-Agent/2")), 0);
        assert_eq!(platform(None), 0);
    }
}
