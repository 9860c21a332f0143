import AppCore
import Foundation
import NcursesBackend
import TermRender

/// The audience side of a lecture: accepts presenters and followers on the lecture socket, turns
/// a presenter's keys into input of the audience's runtime, and sends each peer a snapshot when
/// what it shows changed. The audience process owns the state; a peer that goes away or breaks
/// the protocol is dropped and the lecture goes on.
final class LectureServer {
  struct Peer {
    let fd: Int32
    var framing = LectureFraming()
    var role: LectureRole?
    var size: (width: Int, height: Int) = (0, 0)
    var last: LectureSnapshot?
  }

  static let maxPeers = 16

  let path: String
  let listener: Int32
  let startedAt = Int(time(nil))
  private(set) var peers: [Peer] = []
  /// Keys from presenters, for the runtime to read.
  var keys: [Key] = []
  /// The audience frame last sent from, and the state it was drawn from.
  private var lastFrame: Buffer?
  private var state: AppState?

  init(scene: String) throws(CLIError) {
    path = try LectureSocket.path(scene: scene)
    listener = try LectureSocket.listen(path)
  }

  /// Closes every connection and removes the socket.
  func close() {
    for p in peers { Glibc.close(p.fd) }
    peers = []
    Glibc.close(listener)
    unlink(path)
  }

  var fds: [Int32] { [listener] + peers.map(\.fd) }

  /// Accepts, reads and answers what the readable descriptors have.
  func service(_ ready: Set<Int32>) {
    if ready.contains(listener) { accept() }
    var i = 0
    while i < peers.count {
      if ready.contains(peers[i].fd), !read(&peers[i]) {
        Glibc.close(peers[i].fd)
        peers.remove(at: i)
      } else {
        i += 1
      }
    }
  }

  private func accept() {
    let fd = Glibc.accept(listener, nil, nil)
    guard fd >= 0 else { return }
    // Another user is refused even if the directory's mode were changed; so is a crowd.
    guard LectureSocket.peerUID(fd) == getuid(), peers.count < LectureServer.maxPeers else {
      Glibc.close(fd)
      return
    }
    // A peer that stops reading cannot stall the lecture: a send that waits a second drops it.
    var timeout = timeval(tv_sec: 1, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    peers.append(Peer(fd: fd))
  }

  /// Reads a peer's requests; false to drop it (gone, or broke the protocol).
  private func read(_ peer: inout Peer) -> Bool {
    guard let bytes = LectureSocket.receive(peer.fd) else { return false }
    do {
      for payload in try peer.framing.feed(bytes) {
        switch try LectureRequest(decoding: payload) {
        case .hello(let role, let width, let height):
          guard peer.role == nil else { return false }
          peer.role = role
          peer.size = (min(width, 500), min(height, 200))
          if let state, !send(&peer, state) { return false }
        case .resize(let width, let height):
          peer.size = (min(width, 500), min(height, 200))
          if let state, !send(&peer, state) { return false }
        case .key(let key):
          // A follower watches; only a presenter drives.
          guard peer.role == .presenter else { continue }
          keys.append(key)
        }
      }
    } catch {
      return false
    }
    return true
  }

  /// After each frame the audience drew: each peer whose view changed gets a snapshot.
  func drew(_ frame: DrawnFrame) {
    state = frame.state
    guard frame.buffer != lastFrame else { return }
    lastFrame = frame.buffer
    var i = 0
    while i < peers.count {
      if send(&peers[i], frame.state) {
        i += 1
      } else {
        Glibc.close(peers[i].fd)
        peers.remove(at: i)
      }
    }
  }

  /// Sends the peer its snapshot of `state` if it differs from the last; false if the peer is gone.
  private func send(_ peer: inout Peer, _ state: AppState) -> Bool {
    guard let role = peer.role else { return true }
    let audience = lastFrame.map { (width: $0.width, height: $0.height) }
    let size =
      role == .presenter
      ? PresenterView.copySize(width: peer.size.width, height: peer.size.height, audience: audience) : peer.size
    var snapshot = state.lectureSnapshot(for: role, frameSize: size, audience: audience)
    snapshot.startedAt = startedAt
    guard snapshot != peer.last else { return true }
    peer.last = snapshot
    return LectureSocket.sendAll(peer.fd, LectureFraming.frame(snapshot.encoded))
  }
}

/// The audience's terminal: the real one, with the presenters' keys read as if typed here. Its
/// reads wait on the keyboard and the lecture socket together, so a key from the laptop shows on
/// the projector at once.
final class LectureTerminal: TerminalBackend {
  let terminal: NcursesTerminal
  let server: LectureServer

  init(terminal: NcursesTerminal, server: LectureServer) {
    self.terminal = terminal
    self.server = server
  }

  var size: (width: Int, height: Int) { terminal.size }
  func draw(_ frame: Buffer) { terminal.draw(frame) }
  func invalidate() { terminal.invalidate() }
  func pendingSignal() -> Int32? { terminal.pendingSignal() }
  func end() { terminal.end() }

  func read(timeout milliseconds: Int) -> TerminalInput? {
    if !server.keys.isEmpty { return .key(server.keys.removeFirst()) }
    if let input = terminal.read(timeout: 0) { return input }
    let ready = LectureSocket.poll([STDIN_FILENO] + server.fds, milliseconds: milliseconds)
    server.service(ready)
    if ready.contains(STDIN_FILENO), let input = terminal.read(timeout: 0) { return input }
    return server.keys.isEmpty ? nil : .key(server.keys.removeFirst())
  }
}
