//! The WebSocket transport: `GET /app/{key}` upgraded with actix-ws, driving
//! a [`Connection`].

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use tokio::time::{sleep_until, Instant};

use super::connection::{check_handshake, refusal_reason, Connection, Liveness};
use super::frames;
use super::hub::Hub;
use super::socket::Frame;

/// Opens a socket: refusals are sent as `pusher:error` and a close frame
/// after the upgrade, as Pusher clients expect.
pub async fn connect(
    request: HttpRequest,
    body: web::Payload,
    key: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
    hub: web::Data<Hub>,
) -> actix_web::Result<HttpResponse> {
    let (response, session, messages) = actix_ws::handle(&request, body)?;
    let hub = hub.get_ref().clone();
    let protocol = query.get("protocol").map(String::as_str);

    let opened = check_handshake(&hub, &key, protocol)
        .and_then(|()| Connection::open(&hub).map_err(|code| (code, refusal_reason(code))));
    match opened {
        Ok(connection) => {
            let messages = limit_sizes(messages, hub.config().max_message_bytes);
            actix_web::rt::spawn(serve(hub, connection, session, messages));
        }
        Err((code, reason)) => {
            actix_web::rt::spawn(refuse(session, code, reason));
        }
    }
    Ok(response)
}

/// Frames above the engine's limit still reach it (so it can answer with a
/// `pusher:error`) up to this hard cap, beyond which the socket is closed.
fn limit_sizes(
    messages: actix_ws::MessageStream,
    max_message_bytes: usize,
) -> actix_ws::AggregatedMessageStream {
    let hard_cap = (max_message_bytes * 4).max(64 * 1024);
    messages
        .max_frame_size(hard_cap)
        .aggregate_continuations()
        .max_continuation_size(hard_cap)
}

async fn refuse(mut session: Session, code: u16, reason: String) {
    let _ = session.text(frames::error(Some(code), &reason)).await;
    let _ = session.close(Some(close_reason(code, reason))).await;
}

fn close_reason(code: u16, description: String) -> CloseReason {
    CloseReason {
        code: CloseCode::Other(code),
        description: Some(description),
    }
}

enum Step {
    Continue,
    Stop(Option<CloseReason>),
}

async fn serve(
    hub: Hub,
    mut connection: Connection,
    mut session: Session,
    mut messages: actix_ws::AggregatedMessageStream,
) {
    let config = hub.config();
    let mut liveness = Liveness::new(config.activity_timeout, config.pong_timeout, Instant::now());

    let reason = loop {
        let step = tokio::select! {
            biased;
            code = connection.outbox().closed() => {
                Step::Stop(Some(close_reason(code, "Closed by server".into())))
            }
            frame = connection.outbox().next() => send(&mut session, frame).await,
            message = messages.recv() => {
                liveness.heard(Instant::now());
                receive(&mut connection, &mut session, message).await
            }
            () = sleep_until(liveness.deadline()) => check_liveness(&mut liveness, &connection),
        };
        if let Step::Stop(reason) = step {
            break reason;
        }
    };

    drop(connection);
    let _ = session.close(reason).await;
}

async fn send(session: &mut Session, frame: Frame) -> Step {
    match session.text(frame).await {
        Ok(()) => Step::Continue,
        Err(_) => Step::Stop(None),
    }
}

async fn receive(
    connection: &mut Connection,
    session: &mut Session,
    message: Option<Result<AggregatedMessage, actix_ws::ProtocolError>>,
) -> Step {
    match message {
        Some(Ok(AggregatedMessage::Text(text))) => connection.handle_text(&text),
        Some(Ok(AggregatedMessage::Binary(_))) => connection
            .outbox()
            .send(frames::error(None, "Binary messages are not supported")),
        Some(Ok(AggregatedMessage::Ping(payload))) => {
            if session.pong(&payload).await.is_err() {
                return Step::Stop(None);
            }
        }
        Some(Ok(AggregatedMessage::Pong(_))) => {}
        Some(Ok(AggregatedMessage::Close(_))) | Some(Err(_)) | None => return Step::Stop(None),
    }
    Step::Continue
}

fn check_liveness(liveness: &mut Liveness, connection: &Connection) -> Step {
    match connection.check_liveness(liveness, Instant::now()) {
        Some(code) => Step::Stop(Some(close_reason(code, "Pong reply not received".into()))),
        None => Step::Continue,
    }
}
