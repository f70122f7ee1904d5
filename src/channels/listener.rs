//! The push server's own socket listener, on a port of its own.
//!
//! It serves only `GET /app/{key}` upgrades and keeps an idle socket to the
//! least state that can serve it: one task holding the TCP stream and the
//! protocol engine. Nothing is buffered between messages; bytes are read
//! when the kernel says they are there, and frames are written straight
//! from the outbox. The sockets mounted on the web server (see
//! [`super::configure`]) cost about three times as much each, mostly the
//! web server's per-connection buffers.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep_until, timeout, Instant};

use super::connection::{check_handshake, refusal_reason, Connection, Liveness};
use super::frames;
use super::handshake::{self, Refusal, Upgrade};
use super::hub::Hub;
use super::socket::Frame;
use super::wire::{self, FrameReader, Message, WireError};

/// How long a client may take to send its upgrade request.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a closing socket waits for the client to close its side, so the
/// close frame is not lost to a reset.
const CLOSE_LINGER: Duration = Duration::from_secs(2);

/// Bytes asked of the kernel per read.
const READ_CHUNK: usize = 4096;

/// Queued frames written together in one system call, up to about this much.
const WRITE_BATCH_BYTES: usize = 64 * 1024;

/// Accepts sockets on `listener` until the task is dropped or aborted.
pub async fn serve_sockets(listener: TcpListener, hub: Hub) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(handle_socket(stream, hub.clone()));
            }
            Err(error) => {
                // Out of descriptors, usually: wait for sockets to close.
                tracing::warn!(%error, "cannot accept a push socket");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn handle_socket(mut stream: TcpStream, hub: Hub) {
    let max_message_bytes = (hub.config().max_message_bytes * 4).max(64 * 1024);
    let mut reader = FrameReader::new(max_message_bytes);
    let upgrade = match timeout(HANDSHAKE_TIMEOUT, read_upgrade(&mut stream, &mut reader)).await {
        Ok(Ok(upgrade)) => upgrade,
        Ok(Err(Some(refusal))) => return answer_and_close(stream, refusal.response()).await,
        Ok(Err(None)) | Err(_) => return,
    };
    if stream
        .write_all(upgrade.response().as_bytes())
        .await
        .is_err()
    {
        return;
    }

    let opened = check_handshake(&hub, &upgrade.app_key, upgrade.protocol.as_deref())
        .and_then(|()| Connection::open(&hub).map_err(|code| (code, refusal_reason(code))));
    match opened {
        Ok(connection) => {
            let config = hub.config();
            let liveness =
                Liveness::new(config.activity_timeout, config.pong_timeout, Instant::now());
            serve(stream, reader, connection, liveness).await;
        }
        Err((code, reason)) => {
            let mut refusal = Vec::new();
            wire::put_text(&mut refusal, &frames::error(Some(code), &reason));
            refusal.extend(wire::close(code, &reason));
            answer_and_close(stream, refusal).await;
        }
    }
}

/// Reads the request head; bytes after it stay in `reader`. `Err(None)`
/// means the client went away.
async fn read_upgrade(
    stream: &mut TcpStream,
    reader: &mut FrameReader,
) -> Result<Upgrade, Option<Refusal>> {
    let mut head = Vec::new();
    loop {
        head.reserve(1024);
        match stream.read_buf(&mut head).await {
            Ok(0) | Err(_) => return Err(None),
            Ok(_) => {}
        }
        if let Some((upgrade, head_length)) = handshake::parse(&head).map_err(Some)? {
            reader.buffer().extend_from_slice(&head[head_length..]);
            return Ok(upgrade);
        }
    }
}

/// What ends a socket: a close frame to send, or nothing when the client is
/// gone already.
enum Ending {
    Close(u16, &'static str),
    Gone,
}

async fn serve(
    mut stream: TcpStream,
    mut reader: FrameReader,
    mut connection: Connection,
    mut liveness: Liveness,
) {
    // Bytes that arrived with the upgrade request are handled first.
    let mut ending = handle_messages(&mut stream, &mut reader, &mut connection).await;
    while ending.is_none() {
        ending = tokio::select! {
            biased;
            code = connection.outbox().closed() => Some(Ending::Close(code, "Closed by server")),
            first = connection.outbox().next() => write_frames(&mut stream, &connection, first).await,
            readiness = stream.readable() => match readiness {
                Ok(()) => {
                    liveness.heard(Instant::now());
                    read_and_handle(&mut stream, &mut reader, &mut connection).await
                }
                Err(_) => Some(Ending::Gone),
            },
            () = sleep_until(liveness.deadline()) => connection
                .check_liveness(&mut liveness, Instant::now())
                .map(|code| Ending::Close(code, "Pong reply not received")),
        };
    }

    drop(connection);
    if let Some(Ending::Close(code, reason)) = ending {
        answer_and_close(stream, wire::close(code, reason)).await;
    }
}

/// Writes `first` and whatever else is queued behind it in one go.
async fn write_frames(
    stream: &mut TcpStream,
    connection: &Connection,
    first: Frame,
) -> Option<Ending> {
    let mut out = Vec::with_capacity(first.len() + 10);
    wire::put_text(&mut out, &first);
    while out.len() < WRITE_BATCH_BYTES {
        let Some(frame) = connection.outbox().try_next() else {
            break;
        };
        wire::put_text(&mut out, &frame);
    }
    stream.write_all(&out).await.err().map(|_| Ending::Gone)
}

async fn read_and_handle(
    stream: &mut TcpStream,
    reader: &mut FrameReader,
    connection: &mut Connection,
) -> Option<Ending> {
    let buffer = reader.buffer();
    buffer.reserve(READ_CHUNK);
    match stream.try_read_buf(buffer) {
        Ok(0) => return Some(Ending::Gone),
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => return None,
        Err(_) => return Some(Ending::Gone),
    }
    handle_messages(stream, reader, connection).await
}

async fn handle_messages(
    stream: &mut TcpStream,
    reader: &mut FrameReader,
    connection: &mut Connection,
) -> Option<Ending> {
    loop {
        let message = match reader.next_message() {
            Ok(Some(message)) => message,
            Ok(None) => return None,
            Err(error) => return Some(Ending::Close(error.close_code(), wire_reason(&error))),
        };
        match message {
            Message::Text(text) => connection.handle_text(&text),
            Message::Binary => connection
                .outbox()
                .send(frames::error(None, "Binary messages are not supported")),
            Message::Ping(payload) => {
                if stream.write_all(&wire::pong(&payload)).await.is_err() {
                    return Some(Ending::Gone);
                }
            }
            Message::Pong => {}
            Message::Close(code) => return Some(Ending::Close(code.unwrap_or(1000), "")),
        }
    }
}

fn wire_reason(error: &WireError) -> &'static str {
    match error {
        WireError::Protocol(reason) => reason,
        WireError::NotUtf8 => "Text is not UTF-8",
        WireError::TooBig => "Message too big",
    }
}

/// Sends `bytes`, then closes the stream once the client has closed its
/// side or after [`CLOSE_LINGER`].
async fn answer_and_close(mut stream: TcpStream, bytes: impl AsRef<[u8]>) {
    if stream.write_all(bytes.as_ref()).await.is_err() {
        return;
    }
    let _ = stream.shutdown().await;
    let _ = timeout(CLOSE_LINGER, discard_until_closed(&mut stream)).await;
}

async fn discard_until_closed(stream: &mut TcpStream) {
    let mut discarded = Vec::with_capacity(1024);
    while matches!(stream.read_buf(&mut discarded).await, Ok(n) if n > 0) {
        discarded.clear();
    }
}
