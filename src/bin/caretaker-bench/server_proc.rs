//! The measured server's process: its resident memory, and finding its pid
//! from the port it listens on.

use std::fs;

/// Resident set size of `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The pid of the process listening on TCP `port`, found through the socket
/// inode in `/proc/net/tcp{,6}` and the fds of every process. Only
/// processes this user may inspect are found.
pub fn pid_listening_on(port: u16) -> Option<u32> {
    let inode = listening_inode(port)?;
    let target = format!("socket:[{inode}]");
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if holds_fd_link(pid, &target) {
            return Some(pid);
        }
    }
    None
}

fn listening_inode(port: u16) -> Option<String> {
    const LISTEN: &str = "0A";
    let port_hex = format!(":{port:04X}");
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() > 9 && fields[1].ends_with(&port_hex) && fields[3] == LISTEN {
                return Some(fields[9].to_string());
            }
        }
    }
    None
}

fn holds_fd_link(pid: u32, target: &str) -> bool {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        fs::read_link(fd.path())
            .map(|link| link.to_string_lossy() == target)
            .unwrap_or(false)
    })
}
