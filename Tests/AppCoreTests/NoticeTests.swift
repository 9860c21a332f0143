import AnonVMASim
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("Messages have a kind: info, warning and error each read as what they are")
struct NoticeTests {
  /// The cell where `text` starts in a frame, if it is there.
  static func find(_ text: String, in b: Buffer) -> (x: Int, y: Int)? {
    for (y, row) in b.plainText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      guard let r = row.range(of: text) else { continue }
      return (Buffer.width(String(row[..<r.lowerBound])), y)
    }
    return nil
  }

  /// The message line as a frame draws it: its glyph and text, and the glyph's style.
  static func drawn(_ s: AppState, ascii: Bool = false) -> (line: String, style: Style)? {
    var s = s
    s.options.ascii = ascii
    guard let text = s.message else { return nil }
    let b = s.render(width: 120, height: 40)
    let head = String(text.prefix(20))
    guard let at = find(head, in: b) else { return nil }
    let rows = b.plainText.split(separator: "\n", omittingEmptySubsequences: false)
    let row = String(rows[at.y])
    // The glyph (one cell, ASCII too) and a space before the text.
    let start = at.x - 2
    guard start >= 0 else { return nil }
    let line = String(row.dropFirst(start))
    return (line, b[start, at.y].style)
  }

  @Test("each call site gives its message the kind it is; the frame draws ✗ red, ⚠ yellow, · plain")
  func kinds() throws {
    var s = try sceneApp("e2-fork-cow.scene")
    // An error: a step that does not exist.
    send(&s, [.char("g")] + chars("99") + [.enter])
    #expect(s.notice?.kind == .error)
    var d = try #require(Self.drawn(s))
    #expect(d.line.hasPrefix("✗ no step 99"), "\(d.line)")
    #expect(d.style.fg == .red)
    #expect(try #require(Self.drawn(s, ascii: true)).line.hasPrefix("X no step 99"))
    // A warning: a name that is not there (nothing happened).
    send(&s, [.char("/")] + chars("nosuch") + [.enter])
    #expect(s.notice?.kind == .warning)
    d = try #require(Self.drawn(s))
    #expect(d.line.hasPrefix("⚠ nothing named 'nosuch'"), "\(d.line)")
    #expect(d.style.fg == .yellow)
    #expect(try #require(Self.drawn(s, ascii: true)).line.hasPrefix("! nothing named"))
    // Info: what a key did.
    send(&s, [.char("+")])
    #expect(s.notice?.kind == .info)
    d = try #require(Self.drawn(s))
    #expect(d.line.hasPrefix("· pace "), "\(d.line)")
    #expect(d.style.fg == nil)
    #expect(try #require(Self.drawn(s, ascii: true)).line.hasPrefix("- pace "))
    // Selecting and pinning, in the diagram.
    var p = try sceneApp("e2-fork-cow.scene", view: .diagram)
    send(&p, [.char("G"), .char("/")] + chars("P2:A@0") + [.enter, .char("P")])
    #expect(p.notice?.kind == .info && p.message?.hasPrefix("pinned") == true)
    // Folding with nothing to fold does nothing: a warning.
    send(&p, [.char("z")])
    #expect(p.notice?.kind == .warning && p.message?.hasPrefix("nothing to fold") == true)
  }

  @Test("explore: a refused line is an error, a line that would deadlock a warning, a line that ran info")
  func exploreKinds() throws {
    var e = app("kernel 2.6.36\n", view: .matrix)
    e.explore = true
    e.scene = nil
    send(&e, [.char(":")] + chars("touch P7 heap 0") + [.enter])
    #expect(e.notice?.kind == .error && e.message?.hasPrefix("error:") == true)
    for line in ["spawn P1", "mmap P1 A 1", "touch P1 A 0"] {
      send(&e, [.char(":")] + chars(line) + [.enter])
      #expect(e.notice?.kind == .info && e.message == "ran: \(line)", "\(line): \(e.message ?? "")")
    }
    for line in ["fork P1 P2", "take-all-locks P1"] { send(&e, [.char(":")] + chars(line) + [.enter]) }
    send(&e, [.char(":")] + chars("exit P2") + [.enter])
    #expect(e.notice?.kind == .warning && e.message?.contains("would deadlock cpu0") == true)
    send(&e, [.escape])
    send(&e, [.char(":")] + chars("w") + [.enter])
    #expect(e.notice?.kind == .error && e.message == "usage: :w FILE")
    for _ in 0..<6 { send(&e, [.char(":")] + chars("undo") + [.enter]) }
    #expect(e.notice?.kind == .warning && e.message == "nothing to undo")
    var play = try sceneApp("e3-three-generations.scene")
    send(&play, [.char("G")])
    // A what-if line that does not parse makes no branch: an error.
    send(&play, [.char(":")] + chars("frobnicate P1") + [.enter])
    #expect(play.notice?.kind == .error && play.branchedAt == nil)
  }
}
