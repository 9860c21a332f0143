import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("Lecture: the present socket's framing and messages, and the presenter view")
struct LectureTests {
  static let note = "The order of the 'freed' list"

  /// E3 at its last step (the one with a note), the diagram view.
  static func lastStep() throws -> AppState {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 8)
    return s
  }

  @Test("requests and snapshots survive the wire whole, split anywhere")
  func roundTrip() throws {
    let requests: [LectureRequest] = [
      .hello(.presenter, width: 120, height: 40), .hello(.follower, width: 80, height: 24),
      .resize(width: 81, height: 25), .key(.char("é")), .key(.char(" ")), .key(.right), .key(.backTab), .key(.end),
    ]
    var bytes: [UInt8] = []
    for r in requests { bytes += LectureFraming.frame(r.encoded) }
    let snapshot = try Self.lastStep().lectureSnapshot(for: .presenter, frameSize: (60, 16))
    bytes += LectureFraming.frame(snapshot.encoded)
    // One byte at a time: every message comes out once, in order.
    var framing = LectureFraming()
    var payloads: [[UInt8]] = []
    for b in bytes { payloads += try framing.feed([b]) }
    #expect(payloads.count == requests.count + 1)
    for (r, p) in zip(requests, payloads) { #expect(try LectureRequest(decoding: p) == r) }
    let back = try LectureSnapshot(decoding: try #require(payloads.last))
    #expect(back == snapshot)
    #expect(back.notes.contains { $0.contains(Self.note) } && back.frame.count == 16)
  }

  @Test("an oversized message is refused before its bytes arrive")
  func oversized() {
    var framing = LectureFraming()
    let n = LectureFraming.maxPayload + 1
    #expect(throws: LectureWireError.self) {
      _ = try framing.feed([UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)])
    }
    var huge = LectureFraming()
    #expect(throws: LectureWireError.self) { _ = try huge.feed([0xff, 0xff, 0xff, 0xff]) }
    var fits = LectureFraming()
    #expect((try? fits.feed([0, 0, 0, 3, 1, 2])) == [])
  }

  @Test("garbage is refused: unknown tags, short or long messages, bad text, out-of-range fields")
  func garbage() throws {
    let bad: [[UInt8]] = [
      [], [0], [9], [1], [1, 3, 0, 80, 0, 24], [1, 1, 0, 80, 0], [1, 1, 0, 80, 0, 24, 7], [2, 0], [3, 99],
      [3, 0, 0, 0, 0, 2, 0x61, 0x62], [3, 0, 0, 0, 0, 1, 0xff], [3, 0, 0xff, 0xff, 0xff, 0xff],
    ]
    for b in bad { #expect(throws: LectureWireError.self, "\(b)") { _ = try LectureRequest(decoding: b) } }
    var s = LectureSnapshot()
    s.step = 3
    s.stepCount = 8
    var bytes = s.encoded
    #expect((try? LectureSnapshot(decoding: bytes)) == s)
    // Step 3 of 8 becomes step 3 of 2: out of range.
    let stepCountAt = 1 + 4 + 0 + 4
    bytes[stepCountAt + 3] = 2
    #expect(throws: LectureWireError.self) { _ = try LectureSnapshot(decoding: bytes) }
    #expect(throws: LectureWireError.self) { _ = try LectureSnapshot(decoding: Array(s.encoded.dropLast())) }
    #expect(throws: LectureWireError.self) { _ = try LectureSnapshot(decoding: [2] + s.encoded.dropFirst()) }
  }

  @Test("notes go to the presenter only, and never into the audience frame")
  func notesStayWithThePresenter() throws {
    var s = try Self.lastStep()
    s.presenter = true  // `n` pressed on the audience: its copies stay without notes all the same
    let presenter = s.lectureSnapshot(for: .presenter, frameSize: (80, 24))
    let follower = s.lectureSnapshot(for: .follower, frameSize: (80, 24))
    #expect(presenter.notes.contains { $0.contains(Self.note) })
    #expect(follower.notes.isEmpty)
    for frame in [presenter.frame, follower.frame] {
      #expect(frame.count == 24)
      #expect(!frame.joined().contains("note:") && !frame.joined().contains(Self.note))
    }
    #expect(s.lectureSnapshot(for: .follower, frameSize: (20, 5)).frame.isEmpty)
  }

  @Test("what the audience view points at is named for the presenter")
  func pointing() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    #expect(s.lectureSnapshot(for: .presenter, frameSize: nil).pointing == nil)
    send(&s, Array("/AV1").map { .char($0) } + [.enter])
    #expect(s.lectureSnapshot(for: .presenter, frameSize: nil).pointing == "selected AV1")
    send(&s, [.char("P")])
    #expect(!s.lectureSnapshot(for: .presenter, frameSize: nil).typing)
    send(&s, [.char("/")])
    #expect(s.lectureSnapshot(for: .presenter, frameSize: nil).typing, "a q typed now goes to the prompt")
    send(&s, [.escape])
    let snapshot = s.lectureSnapshot(for: .presenter, frameSize: (80, 24))
    #expect(snapshot.pointing == "pinned AV1")
    #expect(snapshot.frame.joined(separator: "\n").contains("pinned AV1"))
    let view = PresenterView(snapshot: snapshot, elapsed: 0, clock: "").render(width: 80, height: 24).plainText
    #expect(view.contains("on the audience view: pinned AV1"))
  }

  @Test("the presenter view: now with notes, next, the chapters marked, the times; the audience copy where it fits")
  func presenterView() throws {
    var s = try Self.lastStep()
    s.go(to: 5)
    var snapshot = s.lectureSnapshot(for: .presenter, frameSize: PresenterView.thumbnailSize(width: 120, height: 40))
    snapshot.startedAt = 1000
    let wide = PresenterView(snapshot: snapshot, elapsed: 65, clock: "14:03:22").render(width: 120, height: 40)
    let text = wide.plainText
    #expect(text.contains("presenter  step 5/8"))
    #expect(text.contains("now  5 fork P2 P3") && text.contains("next 6 exit P2"))
    #expect(text.contains("AV2 survives"), "the next step's first say")
    #expect(text.contains("▸ Three generations") && text.contains("  The last exit"))
    #expect(text.contains("01:05  14:03:22"))
    #expect(text.contains("audience") && text.contains("step 5/8 "), "a copy of the audience frame")
    #expect(!text.contains("the diagram needs"), "the copy is wide enough for the audience's diagram")
    #expect(PresenterView.thumbnailSize(width: 80, height: 24) == nil)
    let small = PresenterView(snapshot: snapshot, elapsed: 3725, clock: "14:03:22").render(width: 80, height: 24)
    #expect(small.plainText.contains("1:02:05") && small.plainText.contains("▸ Three generations"))
    var last = try Self.lastStep().lectureSnapshot(for: .presenter, frameSize: nil)
    last.playing = true
    let end = PresenterView(snapshot: last, elapsed: 0, clock: "00:00:00").render(width: 80, height: 24).plainText
    #expect(end.contains("note: \(Self.note)") && end.contains("(end of scene)") && end.contains("▸ The last exit"))
    #expect(end.contains("▶ playing 1.5s"))
    // At 80 columns the title does not fit beside the times: cut at a word boundary, marked.
    let header = end.split(separator: "\n").first.map(String.init) ?? ""
    #expect(header.hasPrefix(" presenter  step 8/8  E3: Three generations…  "), "\(header)")
  }

  @Test("the audience copy keeps the audience view's styles, cell for cell, on the wire and in the presenter view")
  func styledCopy() throws {
    var s = try Self.lastStep()
    s.go(to: 5)
    let size = try #require(PresenterView.thumbnailSize(width: 160, height: 50))
    let audience = s.render(width: size.width, height: size.height)
    let snapshot = try LectureSnapshot(
      decoding: s.lectureSnapshot(for: .follower, frameSize: (size.width, size.height)).encoded)
    var styled = 0
    var copy = Buffer(width: size.width, height: size.height)
    for (y, line) in snapshot.frame.enumerated() { copy.put(line, x: 0, y: y) }
    StyleRun.apply(snapshot.frameStyles, at: 0, 0, clip: copy.area, to: &copy)
    for y in 0..<size.height {
      for x in 0..<size.width {
        #expect(copy[x, y].style == audience[x, y].style, "cell \(x),\(y)")
        if audience[x, y].style != .plain { styled += 1 }
      }
    }
    #expect(styled > 100, "the audience frame has styled cells (the lock outline, the header)")
    // The presenter view's thumbnail: the lock outline's first cell keeps its style.
    let view = PresenterView(snapshot: snapshot, elapsed: 0, clock: "").render(width: 160, height: 50)
    let lens = try #require(audience.plainText.split(separator: "\n").firstIndex { $0.contains("AV1 lock") })
    let row = String(audience.plainText.split(separator: "\n")[lens])
    let x = try #require(row.range(of: "AV1 lock").map { row[..<$0.lowerBound].count })
    let shown = view.plainText.split(separator: "\n").map(String.init)
    let vy = try #require(shown.firstIndex { $0.contains("AV1 lock") })
    let vx = try #require(shown[vy].range(of: "AV1 lock").map { shown[vy][..<$0.lowerBound].count })
    #expect(view[vx, vy].style == audience[x, lens].style && audience[x, lens].style != .plain)
    // A style code naming no colour is refused.
    #expect(StyleRun(cells: 1, code: 31) == nil)
  }
}
