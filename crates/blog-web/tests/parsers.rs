//! Property tests of every parser of client input: query strings, page
//! numbers, ids, filter values and bodies. Whatever a client sends, a parser
//! answers a value or a 4xx, never a panic or a 5xx.

use actix_web::ResponseError;
use actix_web::test::TestRequest;
use blog_services::pagination::{MAX_PAGE, PageNumber};
use blog_services::posts::validation::filter_text;
use blog_web::error::AppError;
use blog_web::handlers::{ListParams, json_body, json_or_form_body, parse_id};
use blog_web::wire::auth::LoginBody;
use blog_web::wire::posts::PostInputBody;
use proptest::prelude::*;

/// True for a client error: what every refusal of client input must be.
fn is_client_error(err: &AppError) -> bool {
    err.status_code().is_client_error()
}

#[test]
fn ids_have_one_spelling() {
    for raw in ["05", "+5", " 5", "5 ", "0", "-1", "2147483648"] {
        assert!(parse_id("post", raw).is_err(), "{raw:?}");
    }
    assert_eq!(parse_id("post", "2147483647").unwrap(), i32::MAX);
}

proptest! {
    #[test]
    fn page_numbers_are_a_page_or_a_client_error(text in any::<String>()) {
        match PageNumber::parse(Some(&text)) {
            Ok(page) => prop_assert!((1..=MAX_PAGE).contains(&page.get())),
            Err(err) => prop_assert!(is_client_error(&AppError::from(err))),
        }
    }

    #[test]
    fn digit_strings_of_any_length_never_overflow(digits in "[0-9]{1,40}") {
        let parsed = PageNumber::parse(Some(&digits));
        let value: Option<u128> = digits.parse().ok();
        match value {
            Some(n) if (1..=u128::from(MAX_PAGE)).contains(&n) => {
                prop_assert_eq!(u128::from(parsed.unwrap().get()), n);
            }
            _ => prop_assert!(parsed.is_err()),
        }
    }

    #[test]
    fn ids_are_positive_or_not_found(text in prop_oneof![any::<String>(), "[-+0 ]?[0-9]{1,11}"]) {
        match parse_id("post", &text) {
            Ok(id) => prop_assert!(id > 0 && text == id.to_string()),
            Err(err) => prop_assert_eq!(err.status_code().as_u16(), 404),
        }
    }

    #[test]
    fn list_queries_are_requests_or_client_errors(
        page in proptest::option::of(any::<String>()),
        category in proptest::option::of(any::<String>()),
        tag in proptest::option::of(any::<String>()),
    ) {
        let params = ListParams { page, category, tag };
        match params.to_request() {
            Ok(request) => prop_assert!(request.page.get() >= 1),
            Err(err) => prop_assert!(is_client_error(&err)),
        }
    }

    #[test]
    fn filter_values_are_bounded_and_nul_free(value in any::<String>(), max in 0usize..64) {
        match filter_text("tag", &value, max) {
            Ok(kept) => {
                prop_assert!(!kept.contains('\0'));
                prop_assert!(kept.chars().count() <= max);
            }
            Err(err) => prop_assert!(is_client_error(&AppError::from(err))),
        }
    }

    #[test]
    fn any_body_is_a_value_or_a_client_error(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        media in prop_oneof![
            Just("application/json"),
            Just("application/x-www-form-urlencoded"),
            Just("text/plain"),
            Just("application/problem+json; charset=utf-8"),
            Just(""),
        ],
    ) {
        let req = TestRequest::default()
            .insert_header(("content-type", media))
            .to_http_request();
        if let Err(err) = json_body::<PostInputBody>(&req, &body) {
            prop_assert!(is_client_error(&err));
        }
        if let Err(err) = json_or_form_body::<LoginBody>(&req, &body) {
            prop_assert!(is_client_error(&err));
        }
    }

    #[test]
    fn json_posts_of_any_shape_parse_or_are_refused(
        title in proptest::option::of(any::<String>()),
        category in proptest::option::of(any::<i64>()),
        tags in proptest::option::of(proptest::collection::vec(any::<String>(), 0..12)),
    ) {
        let body = serde_json::json!({"title": title, "content": "x", "category_id": category, "tags": tags});
        let req = TestRequest::default()
            .insert_header(("content-type", "application/json"))
            .to_http_request();
        let parsed = json_body::<PostInputBody>(&req, body.to_string().as_bytes());
        prop_assert!(parsed.is_ok(), "{:?}", parsed.err());
    }
}
