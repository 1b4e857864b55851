//! Percent-decoding for URL paths and query values.
//!
//! tiny_http and tungstenite hand over the request target raw. Both the static file server and the
//! name in `?name=` need it decoded, and both must refuse malformed escapes instead of guessing.

/// Decodes `%XX` escapes into bytes and then UTF-8. `None` for a bad escape or invalid UTF-8.
pub fn decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // Exactly two hex digits: from_str_radix alone would also take a sign, as in "%+1".
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The raw value of `key` in a query string `a=1&b=2` (not decoded), if present.
pub fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_utf8() {
        assert_eq!(decode("al%69ce").as_deref(), Some("alice"));
        assert_eq!(decode("%E2%82%AC").as_deref(), Some("€"));
        assert_eq!(decode("a+b").as_deref(), Some("a+b"));
    }

    #[test]
    fn refuses_malformed_escapes() {
        assert_eq!(decode("%"), None);
        assert_eq!(decode("%4"), None);
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%FF"), None, "a lone 0xFF byte is not UTF-8");
        assert_eq!(decode("%+1"), None, "from_str_radix would accept a sign");
    }

    #[test]
    fn finds_query_values() {
        assert_eq!(query_value("name=bob&x=1", "name"), Some("bob"));
        assert_eq!(query_value("x=1&name=", "name"), Some(""));
        assert_eq!(query_value("name", "name"), Some(""));
        assert_eq!(query_value("nam=bob", "name"), None);
    }
}
