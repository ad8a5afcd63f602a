//! Attach the virtual chip to a real PC/SC stack through vsmartcard's virtual reader (vpcd).
//!
//! vpcd is a pcscd reader driver that listens on a TCP port (35963 by default); a virtual card
//! connects to it. Every message is a 2-byte big-endian length followed by the payload. A
//! 1-byte payload is a control code (power off, power on, reset, ask for the ATR); anything
//! longer is a command APDU, answered by the response APDU.

use crate::VirtualChip;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Default vpcd port.
pub const DEFAULT_PORT: u16 = 0x8C7B;

const CTRL_OFF: u8 = 0x00;
const CTRL_ON: u8 = 0x01;
const CTRL_RESET: u8 = 0x02;
const CTRL_ATR: u8 = 0x04;

/// An ATR for a contactless eMRTD chip as a PC/SC reader reports it (PC/SC part 3), with the
/// card-capabilities byte saying whether extended length is supported.
pub fn atr(extended_length: bool) -> Vec<u8> {
    let historical = [
        0x80,
        0x73,
        0x00,
        0x00,
        if extended_length { 0x40 } else { 0 },
    ];
    let mut atr = vec![0x3B, 0x80 | historical.len() as u8, 0x80, 0x01];
    atr.extend_from_slice(&historical);
    let tck = atr[1..].iter().fold(0u8, |acc, b| acc ^ b);
    atr.push(tck);
    atr
}

/// Answer one vpcd message; `None` when vpcd expects no answer.
pub fn handle_message(chip: &mut VirtualChip, payload: &[u8]) -> Option<Vec<u8>> {
    match payload {
        [CTRL_OFF] | [CTRL_RESET] | [CTRL_ON] => {
            chip.reset();
            None
        }
        [CTRL_ATR] => Some(atr(chip.profile().chip.extended_length)),
        [_] => None,
        apdu => Some(chip.process(apdu)),
    }
}

fn read_message(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len)?;
    let mut payload = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut payload)?;
    Ok(payload)
}

fn write_message(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "response too long for vpcd"))?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)
}

/// Connect to vpcd at `addr` (`host:port`), retrying until it accepts, and serve the chip until
/// vpcd closes the connection or `stop` is set.
pub fn serve(chip: &mut VirtualChip, addr: &str, stop: &AtomicBool) -> io::Result<()> {
    let mut stream = loop {
        match TcpStream::connect(addr) {
            Ok(s) => break s,
            Err(e) if stop.load(Ordering::Relaxed) => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    while !stop.load(Ordering::Relaxed) {
        let payload = match read_message(&mut stream) {
            Ok(p) => p,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        };
        if let Some(answer) = handle_message(chip, &payload) {
            write_message(&mut stream, &answer)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;
    use std::net::TcpListener;

    #[test]
    fn atr_is_well_formed() {
        let a = atr(true);
        assert_eq!(a[0], 0x3B);
        assert_eq!(a[1..].iter().fold(0, |x, b| x ^ b), 0, "TCK");
        assert_eq!(&a[4..9], &[0x80, 0x73, 0, 0, 0x40]);
        assert_eq!(atr(false)[8], 0);
    }

    #[test]
    fn serves_a_vpcd_peer_over_tcp() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut chip =
                    VirtualChip::new(Profile::builtin("norway-passport").unwrap()).unwrap();
                serve(&mut chip, &addr, &stop).unwrap();
            });
            let (mut peer, _) = listener.accept().unwrap();
            write_message(&mut peer, &[CTRL_ON]).unwrap();
            write_message(&mut peer, &[CTRL_ATR]).unwrap();
            assert_eq!(read_message(&mut peer).unwrap(), atr(false));
            write_message(&mut peer, &hex_select()).unwrap();
            assert_eq!(read_message(&mut peer).unwrap(), vec![0x90, 0x00]);
            // GET CHALLENGE returns 8 random bytes.
            write_message(&mut peer, &[0x00, 0x84, 0x00, 0x00, 0x08]).unwrap();
            let r = read_message(&mut peer).unwrap();
            assert_eq!(r.len(), 10);
            assert_eq!(&r[8..], &[0x90, 0x00]);
            write_message(&mut peer, &[CTRL_OFF]).unwrap();
            drop(peer);
        });
    }

    fn hex_select() -> Vec<u8> {
        let mut v = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
        v.extend_from_slice(&crate::LDS1_AID);
        v
    }
}
