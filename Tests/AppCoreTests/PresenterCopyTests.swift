import AnonVMASim
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("The presenter's copy of the audience frame")
struct PresenterCopyTests {
  @Test(
    "at 120x40 and 200x60 the copy holds every row of the audience frame, whole", arguments: [(120, 40), (200, 60)])
  func copyWhole(_ size: (Int, Int)) throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    let thumb = try #require(PresenterView.thumbnailSize(width: size.0, height: size.1))
    let snapshot = s.lectureSnapshot(for: .presenter, frameSize: thumb)
    #expect(snapshot.frame.count == thumb.height)
    let view = PresenterView(snapshot: snapshot, elapsed: 0, clock: "").render(width: size.0, height: size.1)
    let rows = view.plainText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for line in snapshot.frame {
      #expect(rows.contains { $0.contains(line) }, "\(size): the copy lacks '\(line)'")
    }
  }
}

@Suite("The presenter's copy at the room's size")
struct PresenterRoomSizeTests {
  @Test(
    "a room at 80x24 and a presenter at 120x40: the copy is the room's own frame, row for row, titled with its size"
  )
  func roomFrame() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    let size = try #require(PresenterView.copySize(width: 120, height: 40, audience: (80, 24)))
    #expect(size == (80, 24))
    var snapshot = s.lectureSnapshot(for: .presenter, frameSize: size, audience: (80, 24))
    snapshot = try LectureSnapshot(decoding: snapshot.encoded)
    let room = s.render(width: 80, height: 24).plainText.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(snapshot.frame == room.prefix(24).map(String.init))
    let view = PresenterView(snapshot: snapshot, elapsed: 0, clock: "").render(width: 120, height: 40)
    let rows = view.plainText.split(separator: "\n").map(String.init)
    #expect(rows.contains { $0.contains("audience 80×24") })
    // The copy's box is as wide as the room's frame: its right border right after column 80.
    let top = try #require(rows.first { $0.contains("audience 80×24") })
    let start = try #require(top.range(of: "┌─ audience")).lowerBound
    #expect(top[start...].count == 82, "\(top)")
  }

  @Test("a room larger than the presenter's room for a copy: laid out at the copy's size, and the title says so")
  func largerRoom() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    let size = try #require(PresenterView.copySize(width: 120, height: 40, audience: (200, 60)))
    #expect(size.width < 200 && size.height < 60)
    #expect(size == PresenterView.thumbnailSize(width: 120, height: 40) ?? (0, 0))
    let snapshot = try LectureSnapshot(
      decoding: s.lectureSnapshot(for: .presenter, frameSize: size, audience: (200, 60)).encoded)
    let view = PresenterView(snapshot: snapshot, elapsed: 0, clock: "").render(width: 120, height: 40)
    #expect(view.plainText.contains("(the room: 200×60)"))
  }
}
