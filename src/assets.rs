//! Browser assets (jQuery, pusher-js, our scripts and styles) embedded at build time.
//!
//! `build.rs` gives every file a name carrying a hash of its content, so a page always links to
//! the exact version it was built with and browsers may cache each file forever.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpResponse};

/// One embedded file.
pub struct Asset {
    /// Stable name used by templates, e.g. `js/app.js` or `vendor/jquery.js`.
    pub logical: &'static str,
    /// Name under `/static/`, e.g. `js/app.3f9a1c2b.js`.
    pub hashed: &'static str,
    /// Full URL path, e.g. `/static/js/app.3f9a1c2b.js`.
    pub url: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// Every embedded asset, sorted by logical name.
pub static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/assets_table.rs"));

/// Answers 404, so a misspelt logical name shows up in the browser console instead of
/// breaking the page that asked for it.
const UNKNOWN_ASSET_URL: &str = "/static/unknown-asset";

/// One year: hashed names change whenever the content does.
const MAX_AGE_SECONDS: u32 = 31_536_000;

/// The URL of an asset by its logical name: `url("js/app.js")` is
/// `/static/js/app.<hash>.js`. jQuery and pusher-js are `vendor/jquery.js` and
/// `vendor/pusher.js`.
pub fn url(logical: &str) -> &'static str {
    match find_by_logical(logical) {
        Some(asset) => asset.url,
        None => {
            tracing::error!(asset = logical, "unknown asset name");
            UNKNOWN_ASSET_URL
        }
    }
}

/// Mounts `GET /static/{path}`, serving the embedded files by hashed name.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{path:.*}", web::get().to(serve))
        .route("/static/{path:.*}", web::head().to(serve));
}

/// Linear search: the table holds a handful of files.
fn find_by_logical(logical: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.logical == logical)
}

fn find_by_hashed(hashed: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.hashed == hashed)
}

async fn serve(path: web::Path<String>) -> HttpResponse {
    let Some(asset) = find_by_hashed(&path) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("asset not found");
    };

    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(MAX_AGE_SECONDS),
            CacheDirective::Extension("immutable".to_owned(), None),
        ]))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(asset.bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use actix_web::{test as actix_test, App};

    #[test]
    fn url_embeds_a_content_hash_in_the_file_name() {
        let app_js = url("js/app.js");

        let name = app_js.strip_prefix("/static/js/app.").unwrap();
        let hash = name.strip_suffix(".js").unwrap();
        assert_eq!(hash.len(), 8);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn vendored_packages_have_stable_logical_names() {
        assert!(url("vendor/jquery.js").starts_with("/static/vendor/jquery."));
        assert!(url("vendor/pusher.js").starts_with("/static/vendor/pusher."));
    }

    #[test]
    fn an_unknown_name_yields_a_url_that_is_not_served() {
        assert_eq!(url("js/missing.js"), UNKNOWN_ASSET_URL);
        assert!(find_by_hashed("unknown-asset").is_none());
    }

    #[test]
    fn different_content_gets_different_hashes() {
        let badger = url("js/badger.js").rsplit('.').nth(1).unwrap();
        let app = url("js/app.js").rsplit('.').nth(1).unwrap();

        assert_ne!(badger, app);
    }

    #[actix_web::test]
    async fn an_asset_is_served_with_its_type_and_an_immutable_cache_header() {
        let app = actix_test::init_service(App::new().configure(configure)).await;
        let request = actix_test::TestRequest::get()
            .uri(url("css/badger.css"))
            .to_request();

        let response = actix_test::call_service(&app, request).await;

        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(
            headers.get(header::CONTENT_TYPE).unwrap(),
            "text/css; charset=utf-8"
        );
        assert_eq!(
            headers.get(header::CACHE_CONTROL).unwrap(),
            "public, max-age=31536000, immutable"
        );
        let body = actix_test::read_body(response).await;
        assert!(std::str::from_utf8(&body)
            .unwrap()
            .contains(".badger-badge"));
    }

    #[actix_web::test]
    async fn vendored_jquery_is_served_as_javascript() {
        let app = actix_test::init_service(App::new().configure(configure)).await;
        let request = actix_test::TestRequest::get()
            .uri(url("vendor/jquery.js"))
            .to_request();

        let response = actix_test::call_service(&app, request).await;

        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/javascript; charset=utf-8"
        );
        let body = actix_test::read_body(response).await;
        assert!(body.starts_with(b"/*! jQuery v3.7.1"));
    }

    #[actix_web::test]
    async fn an_unknown_or_unhashed_path_is_not_found() {
        let app = actix_test::init_service(App::new().configure(configure)).await;

        for path in ["/static/js/app.js", "/static/nothing.js", "/static/"] {
            let request = actix_test::TestRequest::get().uri(path).to_request();
            let response = actix_test::call_service(&app, request).await;
            assert_eq!(response.status(), 404, "{path}");
        }
    }
}
