import TestSupport
import Testing

@testable import AppCore

@Suite("--pause-chapters: play pauses at the last step of each chapter")
struct ChapterPauseTests {
  @Test("play stops at each chapter's last step and p goes on; without the option it plays through")
  func pauses() throws {
    // E3's chapters open at steps 1, 6 and 8: play pauses at steps 5 and 7.
    var s = try sceneApp("e3-three-generations.scene")
    s.pauseAtChapters = true
    send(&s, [.char("p")])
    _ = s.reduce(.tick(100))
    #expect(!s.playing && s.step == 5 && s.message == "end of the chapter: p plays on")
    send(&s, [.char("p")])
    _ = s.reduce(.tick(100))
    #expect(!s.playing && s.step == 7)
    send(&s, [.char("p")])
    _ = s.reduce(.tick(100))
    #expect(!s.playing && s.step == 8)
    var through = try sceneApp("e3-three-generations.scene")
    send(&through, [.char("p")])
    _ = through.reduce(.tick(100))
    #expect(!through.playing && through.step == 8)
  }
}
