//! Response compression (brotli, gzip, deflate), decided in the pipeline with
//! the response in hand. The request's `Accept-Encoding` picks the encoding
//! (actix's negotiation: q-values, `identity;q=0`); a body under
//! [`MIN_COMPRESSED_BYTES`], an image (but SVG) or a video, a 304 and a
//! request that asked for no encoding go out as they are, without passing
//! through an encoder. (actix's `Compress` middleware wrapped every response
//! in its encoder, parsed its content type, and needed a marker header to
//! leave small bodies alone: 5.6 % of the trivial route's samples.)

use actix_http::encoding::Encoder;
use actix_web::HttpMessage;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, HeaderValue};

use crate::error::AppError;

/// Bodies shorter than this are sent uncompressed: compressing them costs
/// more than the bytes it saves.
pub const MIN_COMPRESSED_BYTES: usize = 1024;

/// The encodings this build can produce, identity first (the choice on a tie).
static SUPPORTED: [Encoding; 4] = [
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::gzip(),
    Encoding::deflate(),
];

/// The encoding a request's response may be sent in, or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negotiated {
    /// This one (identity: as it is).
    Encoding(ContentEncoding),
    /// The request accepts none of [`SUPPORTED`], not even the body as it
    /// is (`identity;q=0`): 406.
    NothingAcceptable,
}

impl Negotiated {
    /// Reads `Accept-Encoding` off `req` (identity when there is none, or
    /// when it cannot be parsed, as actix does).
    pub fn of(req: &ServiceRequest) -> Self {
        if !req.headers().contains_key(header::ACCEPT_ENCODING) {
            return Negotiated::Encoding(ContentEncoding::Identity);
        }
        let Some(accepted) = req.get_header::<AcceptEncoding>() else {
            return Negotiated::Encoding(ContentEncoding::Identity);
        };
        match accepted.negotiate(SUPPORTED.iter()) {
            Some(Encoding::Known(encoding)) => Negotiated::Encoding(encoding),
            Some(_) => Negotiated::Encoding(ContentEncoding::Identity),
            None => Negotiated::NothingAcceptable,
        }
    }

    /// The refusal, when nothing the request accepts can be sent.
    pub fn check(self) -> Result<(), AppError> {
        match self {
            Negotiated::Encoding(_) => Ok(()),
            Negotiated::NothingAcceptable => Err(AppError::NotAcceptable(
                "no acceptable Accept-Encoding: this server sends br, gzip, deflate or identity"
                    .into(),
            )),
        }
    }

    /// `res` encoded, when it is worth it; else as it is.
    pub fn apply(self, res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
        match self {
            Negotiated::Encoding(encoding)
                if encoding != ContentEncoding::Identity && worth_compressing(&res) =>
            {
                res.map_body(|head, body| BoxBody::new(Encoder::response(encoding, head, body)))
            }
            _ => res,
        }
    }
}

/// A body of unknown length or of at least [`MIN_COMPRESSED_BYTES`], not
/// encoded yet, of a type that compresses.
fn worth_compressing(res: &ServiceResponse<BoxBody>) -> bool {
    let large = match res.response().body().size() {
        BodySize::Sized(len) => len >= MIN_COMPRESSED_BYTES as u64,
        BodySize::Stream => true,
        BodySize::None => false,
    };
    let headers = res.headers();
    large
        && !headers.contains_key(header::CONTENT_ENCODING)
        && headers
            .get(header::CONTENT_TYPE)
            .is_none_or(compressible_type)
}

/// Everything but images (SVG excepted) and video: they are compressed already.
fn compressible_type(content_type: &HeaderValue) -> bool {
    let Ok(text) = content_type.to_str() else {
        return true;
    };
    let media = text.split(';').next().unwrap_or_default().trim();
    let (kind, subtype) = media.split_once('/').unwrap_or((media, ""));
    if kind.eq_ignore_ascii_case("image") {
        return subtype.eq_ignore_ascii_case("svg+xml");
    }
    !kind.eq_ignore_ascii_case("video")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_video_are_not_compressed_svg_and_text_are() {
        let compressible = |t: &'static str| compressible_type(&HeaderValue::from_static(t));
        assert!(compressible("text/html; charset=utf-8"));
        assert!(compressible("application/json"));
        assert!(compressible("image/svg+xml"));
        assert!(!compressible("image/png"));
        assert!(!compressible("video/mp4"));
    }
}
