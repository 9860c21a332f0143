import TermRender

/// Why a lecture peer's bytes were refused: the connection is closed, never trusted further.
public struct LectureWireError: Error, Sendable, Hashable {
  public let message: String

  init(_ message: String) { self.message = message }
}

/// The framing of the lecture socket (`anonvis present`): each message is a 4-byte big-endian
/// length and that many bytes of payload, at most `LectureFraming.maxPayload`. A peer that
/// announces more, or sends a payload that does not decode, is refused.
public struct LectureFraming: Sendable {
  /// The largest payload accepted: a follower's full frame at 300×100 cells with room to spare.
  public static let maxPayload = 512 * 1024

  private var pending: [UInt8] = []

  public init() {}

  /// One message framed for the socket.
  public static func frame(_ payload: [UInt8]) -> [UInt8] {
    let n = UInt32(payload.count)
    return [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
  }

  /// Takes bytes read from the socket and returns the whole payloads they complete, in order;
  /// throws as soon as a length over the bound is announced (before its bytes are read).
  public mutating func feed(_ bytes: some Collection<UInt8>) throws(LectureWireError) -> [[UInt8]] {
    pending.append(contentsOf: bytes)
    var out: [[UInt8]] = []
    var start = 0
    while pending.count - start >= 4 {
      let n =
        Int(pending[start]) << 24 | Int(pending[start + 1]) << 16 | Int(pending[start + 2]) << 8
        | Int(pending[start + 3])
      guard n <= LectureFraming.maxPayload else {
        throw LectureWireError("message of \(n) bytes refused (at most \(LectureFraming.maxPayload))")
      }
      guard pending.count - start - 4 >= n else { break }
      out.append(Array(pending[(start + 4)..<(start + 4 + n)]))
      start += 4 + n
    }
    pending.removeFirst(start)
    return out
  }
}

/// Writes the fields of a payload.
struct WireWriter {
  var bytes: [UInt8] = []

  mutating func u8(_ v: UInt8) { bytes.append(v) }
  mutating func u16(_ v: Int) {
    let c = UInt16(clamping: v)
    bytes += [UInt8(c >> 8), UInt8(c & 0xff)]
  }
  mutating func u32(_ v: Int) {
    let c = UInt32(clamping: v)
    bytes += [UInt8(c >> 24), UInt8(c >> 16 & 0xff), UInt8(c >> 8 & 0xff), UInt8(c & 0xff)]
  }
  mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }
  mutating func string(_ s: String) {
    let utf8 = Array(s.utf8.prefix(WireReader.maxString))
    u32(utf8.count)
    bytes += utf8
  }
  mutating func optional(_ s: String?) {
    bool(s != nil)
    if let s { string(s) }
  }
  mutating func strings(_ list: [String]) {
    let shown = list.prefix(WireReader.maxList)
    u16(shown.count)
    for s in shown { string(s) }
  }
}

/// Reads the fields of a payload; every read is bounds-checked and throws on a short or odd one.
struct WireReader {
  static let maxString = 16 * 1024
  static let maxList = 1000

  let bytes: [UInt8]
  var at = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  mutating func take(_ n: Int) throws(LectureWireError) -> ArraySlice<UInt8> {
    guard n >= 0, bytes.count - at >= n else { throw LectureWireError("truncated message") }
    defer { at += n }
    return bytes[at..<(at + n)]
  }
  mutating func u8() throws(LectureWireError) -> UInt8 { try take(1).first ?? 0 }
  mutating func u16() throws(LectureWireError) -> Int { try take(2).reduce(0) { $0 << 8 | Int($1) } }
  mutating func u32() throws(LectureWireError) -> Int { try take(4).reduce(0) { $0 << 8 | Int($1) } }
  mutating func bool() throws(LectureWireError) -> Bool {
    switch try u8() {
    case 0: return false
    case 1: return true
    default: throw LectureWireError("bad boolean")
    }
  }
  mutating func string() throws(LectureWireError) -> String {
    let n = try u32()
    guard n <= WireReader.maxString else { throw LectureWireError("string of \(n) bytes refused") }
    let raw = try take(n)
    guard let s = String(validating: raw, as: UTF8.self) else { throw LectureWireError("text is not UTF-8") }
    return s
  }
  mutating func optional() throws(LectureWireError) -> String? { try bool() ? try string() : nil }
  mutating func strings() throws(LectureWireError) -> [String] {
    let n = try u16()
    guard n <= WireReader.maxList else { throw LectureWireError("list of \(n) refused") }
    var out: [String] = []
    for _ in 0..<n { out.append(try string()) }
    return out
  }
  /// Throws unless every byte was read.
  func end() throws(LectureWireError) {
    guard at == bytes.count else { throw LectureWireError("\(bytes.count - at) stray bytes") }
  }
}

/// What a presenter or follower sends the audience process.
public enum LectureRequest: Sendable, Hashable {
  /// The first message: who attaches, and the size of the frame it wants (the presenter's copy
  /// of the audience frame, `PresenterView.thumbnailSize`; a follower's whole terminal).
  case hello(LectureRole, width: Int, height: Int)
  /// The attached terminal changed size.
  case resize(width: Int, height: Int)
  /// A key pressed in the presenter's terminal (a follower's keys are refused by the audience).
  case key(Key)

  /// Keys in wire order (the tag is the index plus one; `char` is 0).
  static let namedKeys: [Key] = [
    .left, .right, .up, .down, .enter, .backspace, .tab, .backTab, .escape, .pageUp, .pageDown, .home, .end,
  ]

  public var encoded: [UInt8] {
    var w = WireWriter()
    switch self {
    case .hello(let role, let width, let height):
      w.u8(1)
      w.u8(role.rawValue)
      w.u16(width)
      w.u16(height)
    case .resize(let width, let height):
      w.u8(2)
      w.u16(width)
      w.u16(height)
    case .key(let key):
      w.u8(3)
      if case .char(let c) = key {
        w.u8(0)
        w.string(String(c))
      } else {
        w.u8(UInt8((LectureRequest.namedKeys.firstIndex(of: key) ?? 0) + 1))
      }
    }
    return w.bytes
  }

  public init(decoding bytes: [UInt8]) throws(LectureWireError) {
    var r = WireReader(bytes)
    switch try r.u8() {
    case 1:
      guard let role = LectureRole(rawValue: try r.u8()) else { throw LectureWireError("unknown role") }
      self = .hello(role, width: try r.u16(), height: try r.u16())
    case 2: self = .resize(width: try r.u16(), height: try r.u16())
    case 3:
      let tag = Int(try r.u8())
      if tag == 0 {
        let text = try r.string()
        guard text.count == 1, let c = text.first else { throw LectureWireError("a key is one character") }
        self = .key(.char(c))
      } else {
        guard tag <= LectureRequest.namedKeys.count else { throw LectureWireError("unknown key \(tag)") }
        self = .key(LectureRequest.namedKeys[tag - 1])
      }
    default: throw LectureWireError("unknown request")
    }
    try r.end()
  }
}

/// Who is attached to a lecture.
public enum LectureRole: UInt8, Sendable, Hashable {
  /// Drives the lecture and sees the notes (`present --attach`).
  case presenter = 1
  /// Sees the audience frame and cannot drive (`present --follow`).
  case follower = 2
}
