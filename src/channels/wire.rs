//! WebSocket framing (RFC 6455) for the push server's own listener: masked
//! client frames in, unmasked server frames out. No extension is ever
//! negotiated, so the reserved bits must stay clear.

/// A complete message from the client.
#[derive(Debug, PartialEq, Eq)]
pub enum Message {
    Text(String),
    Binary,
    Ping(Vec<u8>),
    Pong,
    /// The client's close code, if it gave one.
    Close(Option<u16>),
}

/// A client that broke the framing rules; the socket is closed with
/// [`WireError::close_code`].
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("protocol error: {0}")]
    Protocol(&'static str),
    #[error("message too big")]
    TooBig,
    #[error("text message is not UTF-8")]
    NotUtf8,
}

impl WireError {
    pub fn close_code(&self) -> u16 {
        match self {
            WireError::Protocol(_) => 1002,
            WireError::NotUtf8 => 1007,
            WireError::TooBig => 1009,
        }
    }
}

const OP_CONTINUATION: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// Turns the bytes read off a socket into messages. Between messages it
/// holds no allocation, so an idle socket costs nothing here.
pub struct FrameReader {
    unparsed: Vec<u8>,
    fragmented: Option<Fragmented>,
    max_message_bytes: usize,
}

struct Fragmented {
    is_text: bool,
    payload: Vec<u8>,
}

struct Frame {
    fin: bool,
    opcode: u8,
    payload: Vec<u8>,
}

impl FrameReader {
    /// A reader refusing messages (and frames) above `max_message_bytes`.
    pub fn new(max_message_bytes: usize) -> Self {
        Self {
            unparsed: Vec::new(),
            fragmented: None,
            max_message_bytes,
        }
    }

    /// Where newly read bytes go; [`FrameReader::next_message`] consumes them.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.unparsed
    }

    /// The next complete message among the bytes read so far, if any.
    pub fn next_message(&mut self) -> Result<Option<Message>, WireError> {
        while let Some(frame) = self.next_frame()? {
            if let Some(message) = self.assemble(frame)? {
                return Ok(Some(message));
            }
        }
        Ok(None)
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, WireError> {
        let Some((frame, length)) = parse_frame(&self.unparsed, self.max_message_bytes)? else {
            return Ok(None);
        };
        if length == self.unparsed.len() {
            self.unparsed = Vec::new();
        } else {
            self.unparsed.drain(..length);
        }
        Ok(Some(frame))
    }

    fn assemble(&mut self, frame: Frame) -> Result<Option<Message>, WireError> {
        match frame.opcode {
            OP_TEXT | OP_BINARY => self.start_message(frame),
            OP_CONTINUATION => self.continue_message(frame),
            OP_CLOSE => close_message(&frame.payload).map(Some),
            OP_PING => Ok(Some(Message::Ping(frame.payload))),
            OP_PONG => Ok(Some(Message::Pong)),
            _ => Err(WireError::Protocol("unknown opcode")),
        }
    }

    fn start_message(&mut self, frame: Frame) -> Result<Option<Message>, WireError> {
        if self.fragmented.is_some() {
            return Err(WireError::Protocol(
                "a new message began inside a fragmented one",
            ));
        }
        let is_text = frame.opcode == OP_TEXT;
        if frame.fin {
            return finish_message(is_text, frame.payload).map(Some);
        }
        self.fragmented = Some(Fragmented {
            is_text,
            payload: frame.payload,
        });
        Ok(None)
    }

    fn continue_message(&mut self, frame: Frame) -> Result<Option<Message>, WireError> {
        let Some(fragmented) = self.fragmented.as_mut() else {
            return Err(WireError::Protocol("continuation without a message"));
        };
        if fragmented.payload.len() + frame.payload.len() > self.max_message_bytes {
            return Err(WireError::TooBig);
        }
        fragmented.payload.extend_from_slice(&frame.payload);
        if !frame.fin {
            return Ok(None);
        }

        let Fragmented { is_text, payload } = self.fragmented.take().expect("checked above");
        finish_message(is_text, payload).map(Some)
    }
}

/// One frame from the front of `bytes` and its length on the wire, or
/// `None` when it has not all arrived yet.
fn parse_frame(bytes: &[u8], max_payload: usize) -> Result<Option<(Frame, usize)>, WireError> {
    let [first, second, ..] = *bytes else {
        return Ok(None);
    };
    let fin = first & 0x80 != 0;
    let opcode = first & 0x0F;
    if first & 0x70 != 0 {
        return Err(WireError::Protocol("reserved bits set"));
    }
    if second & 0x80 == 0 {
        return Err(WireError::Protocol("client frames must be masked"));
    }

    let Some((payload_len, mut offset)) = payload_length(bytes, second & 0x7F) else {
        return Ok(None);
    };
    let is_control = opcode & 0x8 != 0;
    if is_control && (!fin || payload_len > 125) {
        return Err(WireError::Protocol(
            "control frames must be whole and short",
        ));
    }
    if payload_len > max_payload as u64 {
        return Err(WireError::TooBig);
    }
    let payload_len = payload_len as usize;

    let Some(mask) = bytes.get(offset..offset + 4) else {
        return Ok(None);
    };
    offset += 4;
    let Some(masked) = bytes.get(offset..offset + payload_len) else {
        return Ok(None);
    };
    let payload = masked
        .iter()
        .zip(mask.iter().cycle())
        .map(|(byte, key)| byte ^ key)
        .collect();
    let frame = Frame {
        fin,
        opcode,
        payload,
    };
    Ok(Some((frame, offset + payload_len)))
}

/// The payload length and where the masking key starts, once the extended
/// length bytes have arrived.
fn payload_length(bytes: &[u8], short_length: u8) -> Option<(u64, usize)> {
    match short_length {
        126 => {
            let extended: [u8; 2] = bytes.get(2..4)?.try_into().ok()?;
            Some((u64::from(u16::from_be_bytes(extended)), 4))
        }
        127 => {
            let extended: [u8; 8] = bytes.get(2..10)?.try_into().ok()?;
            Some((u64::from_be_bytes(extended), 10))
        }
        length => Some((u64::from(length), 2)),
    }
}

fn finish_message(is_text: bool, payload: Vec<u8>) -> Result<Message, WireError> {
    if !is_text {
        return Ok(Message::Binary);
    }
    String::from_utf8(payload)
        .map(Message::Text)
        .map_err(|_| WireError::NotUtf8)
}

fn close_message(payload: &[u8]) -> Result<Message, WireError> {
    match payload {
        [] => Ok(Message::Close(None)),
        [high, low, ..] => Ok(Message::Close(Some(u16::from_be_bytes([*high, *low])))),
        [_] => Err(WireError::Protocol("close payload of one byte")),
    }
}

/// Appends a text frame carrying `text` to `out`.
pub fn put_text(out: &mut Vec<u8>, text: &str) {
    put_frame(out, OP_TEXT, text.as_bytes());
}

/// A pong frame answering a ping with `payload`.
pub fn pong(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 2);
    put_frame(&mut out, OP_PONG, payload);
    out
}

/// A close frame with `code` and a reason (cut to fit a control frame).
pub fn close(code: u16, reason: &str) -> Vec<u8> {
    let mut reason_end = reason.len().min(123);
    while !reason.is_char_boundary(reason_end) {
        reason_end -= 1;
    }
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(&reason.as_bytes()[..reason_end]);

    let mut out = Vec::with_capacity(payload.len() + 2);
    put_frame(&mut out, OP_CLOSE, &payload);
    out
}

fn put_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.push(0x80 | opcode);
    match payload.len() {
        length @ 0..=125 => out.push(length as u8),
        length @ 126..=0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(length as u16).to_be_bytes());
        }
        length => {
            out.push(127);
            out.extend_from_slice(&(length as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    /// A frame as a client sends it: masked.
    fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        put_frame(&mut out, opcode, payload);
        if !fin {
            out[0] &= 0x7F;
        }
        let header_len = out.len() - payload.len();
        out[1] |= 0x80;
        let masked: Vec<u8> = payload
            .iter()
            .zip(MASK.iter().cycle())
            .map(|(byte, key)| byte ^ key)
            .collect();
        out.truncate(header_len);
        out.extend_from_slice(&MASK);
        out.extend_from_slice(&masked);
        out
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<Message>, WireError> {
        let mut reader = FrameReader::new(64 * 1024);
        reader.buffer().extend_from_slice(bytes);
        let mut messages = Vec::new();
        while let Some(message) = reader.next_message()? {
            messages.push(message);
        }
        Ok(messages)
    }

    #[test]
    fn reads_masked_text_of_every_length_encoding() {
        for length in [0, 5, 125, 126, 300, 65_535, 65_536] {
            let text = "x".repeat(length);

            let messages = read_all(&client_frame(true, OP_TEXT, text.as_bytes())).unwrap();

            assert_eq!(messages, vec![Message::Text(text)], "length {length}");
        }
    }

    #[test]
    fn waits_for_a_frame_that_arrives_byte_by_byte() {
        let frame = client_frame(true, OP_TEXT, b"{\"event\":\"pusher:ping\"}");
        let mut reader = FrameReader::new(1024);

        for byte in &frame[..frame.len() - 1] {
            reader.buffer().push(*byte);
            assert_eq!(reader.next_message(), Ok(None));
        }
        reader.buffer().push(frame[frame.len() - 1]);

        let expected = Message::Text("{\"event\":\"pusher:ping\"}".into());
        assert_eq!(reader.next_message(), Ok(Some(expected)));
        assert_eq!(
            reader.buffer().capacity(),
            0,
            "nothing kept between messages"
        );
    }

    #[test]
    fn joins_fragments_around_an_interleaved_ping() {
        let mut bytes = client_frame(false, OP_TEXT, b"hel");
        bytes.extend(client_frame(true, OP_PING, b"p"));
        bytes.extend(client_frame(true, OP_CONTINUATION, b"lo"));

        let messages = read_all(&bytes).unwrap();

        assert_eq!(
            messages,
            vec![Message::Ping(b"p".to_vec()), Message::Text("hello".into())]
        );
    }

    #[test]
    fn reads_close_codes_pongs_and_binary() {
        let mut bytes = client_frame(true, OP_PONG, b"");
        bytes.extend(client_frame(true, OP_BINARY, b"\x00\x01"));
        bytes.extend(client_frame(true, OP_CLOSE, &1000u16.to_be_bytes()));

        let messages = read_all(&bytes).unwrap();

        assert_eq!(
            messages,
            vec![Message::Pong, Message::Binary, Message::Close(Some(1000))]
        );
    }

    #[test]
    fn refuses_frames_that_break_the_rules() {
        let mut unmasked = Vec::new();
        put_frame(&mut unmasked, OP_TEXT, b"hi");
        let mut reserved = client_frame(true, OP_TEXT, b"hi");
        reserved[0] |= 0x40;
        let split_ping = client_frame(false, OP_PING, b"");
        let stray_continuation = client_frame(true, OP_CONTINUATION, b"x");
        let bad_utf8 = client_frame(true, OP_TEXT, &[0xff, 0xfe]);

        assert_eq!(read_all(&unmasked).unwrap_err().close_code(), 1002);
        assert_eq!(read_all(&reserved).unwrap_err().close_code(), 1002);
        assert_eq!(read_all(&split_ping).unwrap_err().close_code(), 1002);
        assert_eq!(
            read_all(&stray_continuation).unwrap_err().close_code(),
            1002
        );
        assert_eq!(read_all(&bad_utf8).unwrap_err().close_code(), 1007);
    }

    #[test]
    fn refuses_messages_above_the_limit_before_they_arrive() {
        let mut reader = FrameReader::new(100);
        let frame = client_frame(true, OP_TEXT, &[b'a'; 101]);
        reader.buffer().extend_from_slice(&frame[..8]);

        assert_eq!(reader.next_message(), Err(WireError::TooBig));
    }

    #[test]
    fn refuses_fragments_that_add_up_beyond_the_limit() {
        let mut bytes = client_frame(false, OP_TEXT, &[b'a'; 60]);
        bytes.extend(client_frame(true, OP_CONTINUATION, &[b'a'; 60]));
        let mut reader = FrameReader::new(100);
        reader.buffer().extend_from_slice(&bytes);

        assert_eq!(reader.next_message(), Err(WireError::TooBig));
    }

    #[test]
    fn writes_unmasked_frames_with_the_shortest_length() {
        let mut short = Vec::new();
        put_text(&mut short, "hi");
        let mut medium = Vec::new();
        put_text(&mut medium, &"m".repeat(200));

        assert_eq!(short, b"\x81\x02hi");
        assert_eq!(&medium[..4], &[0x81, 126, 0, 200]);
        assert_eq!(pong(b"p"), b"\x8a\x01p");
        assert_eq!(close(4200, "bye"), b"\x88\x05\x10\x68bye");
    }

    #[test]
    fn cuts_a_long_close_reason_on_a_character_boundary() {
        let frame = close(4000, &"é".repeat(100));

        assert!(frame.len() <= 127);
        assert!(std::str::from_utf8(&frame[4..]).is_ok());
    }
}
