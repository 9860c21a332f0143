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
