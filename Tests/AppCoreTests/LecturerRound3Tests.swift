import AnonVMASim
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// What a lecturer trying every key at 80×24 to 300×100 found (stop 47): each test fails on
/// the behaviour found.
@Suite("Lecturer findings, round 3: pins, z, waiters' modes, the 6.x legend, the fallback note")
struct LecturerRound3Tests {
  /// Releasing a pin on a step without the pinned VMA named it by its internal id
  /// (`selected vma#2 (not in this step)`): now nothing stays selected and the message names it.
  @Test("P released where the pinned VMA is gone drops the selection and names the VMA, never vma#N")
  func pinReleasedOnGoneVMA() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    let states = s.timeline.states
    var found: (step: Int, vma: VMAID)?
    // Gone at k + 1 (drawn there once, freed) and not drawn at k + 2.
    for k in 1..<(s.timeline.stepCount - 1) where found == nil {
      if let v = states[k].vmas.keys.first(where: { states[k + 1].vmas[$0] == nil && states[k + 2].vmas[$0] == nil }) {
        found = (k, v)
      }
    }
    let (k, v) = try #require(found, "no VMA of E3 goes away at a step")
    let name = states[k].vmaName(v)
    s.go(to: k)
    _ = s.frame(width: 120, height: 40)
    s.diagramView.selection = .vma(v)
    s.togglePin()
    #expect(s.diagramView.pinned && s.message == "pinned \(name): P releases it")
    s.go(to: k + 2)
    _ = s.frame(width: 120, height: 40)
    #expect(s.diagramView.pinned && s.diagramView.selection == .vma(v))
    s.togglePin()
    #expect(!s.diagramView.pinned && s.diagramView.selection == nil)
    #expect(s.message == "pin released (\(name) is not in this step)", "\(s.message ?? "")")
    let screen = s.frame(width: 120, height: 40).plainText
    #expect(!screen.contains("vma#"), "\(screen)")
  }

  /// `z` on a step with nothing to fold turned folding off for later steps, unseen.
  @Test("z where nothing folds changes nothing and says folding stays as it was")
  func zWithNothingToFold() throws {
    var d = AppDriver(try sceneApp("e1-first-touch.scene", view: .diagram), width: 80, height: 24)
    let before = d.state.folding
    _ = d.press(.char("z"))
    #expect(d.state.folding == before)
    #expect(d.state.message?.contains("folding stays \(before ? "on" : "off")") == true, "\(d.state.message ?? "")")
  }

  /// The lesson of the readers-queue scene is who waits for what: the outline's label says it.
  @Test("a waiter on a 6.x rwsem is named with what it waits for: cpu1 write, cpu2 read")
  func waitersSayTheirMode() throws {
    var s = try sceneApp("concurrency/readers-queue-behind-a-waiting-writer-6.1.scene", view: .diagram)
    let blocked = try #require(
      (1...s.timeline.stepCount).first { k in
        let w = s.timeline.states[k]
        return w.cpus[1].waitingFor != nil && w.cpus[2].waitingFor != nil
      })
    s.go(to: blocked)
    for (width, height) in [(120, 40), (200, 60)] {
      let screen = s.frame(width: width, height: height).plainText
      #expect(screen.contains("cpu1 write") && screen.contains("cpu2 read"), "\(width)x\(height)\n\(screen)")
      #expect(screen.contains("cpu1 waits for AV1 (write)"), "the locks line says what for\n\(screen)")
    }
  }

  /// 6.x keeps no same_anon_vma list: the `list` row is the interval tree in walk order (E8).
  @Test("the legend's list row says interval tree on 6.x, same_anon_vma list on 2.6.x, both in a mixed comparison")
  func legendListPerKernel() {
    let modern = ForestDiagram.legend(kernel: .v6).joined(separator: "\n")
    #expect(modern.contains("interval tree (rb_root) in walk order") && !modern.contains("same_anon_vma list"))
    let old = ForestDiagram.legend(kernel: .v2_6_36).joined(separator: "\n")
    #expect(old.contains("the same_anon_vma list: process:VMA") && !old.contains("interval tree"))
    let mixed = ForestDiagram.legend(kernel: .v2_6_36, compared: .v6).joined(separator: "\n")
    #expect(mixed.contains("2.6.x: the same_anon_vma list") && mixed.contains("6.x: the interval tree"))
  }

  /// At 64×18 the matrix fallback's note read `matrix: the diagram needs 80 c┘`.
  @Test("the diagram's fallback note on the border is cut at a word and marked, at 60x16 to 79x24")
  func fallbackNoteElided() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    for (width, height) in [(60, 16), (64, 18), (70, 20), (79, 24)] {
      let rows = s.frame(width: width, height: height).plainText.split(separator: "\n").map(String.init)
      let row = try #require(rows.first { $0.contains("matrix:") }, "\(width)x\(height)")
      guard let at = row.range(of: "matrix:") else { continue }
      let note = row[at.lowerBound...]
      #expect(
        note.contains("columns") || note.contains("…"), "\(width)x\(height): the note is cut unmarked: \(row)")
      #expect(!note.contains(" c┘") && !note.contains(" col┘"), "\(width)x\(height): \(row)")
    }
  }

  /// PgDn on a step, → and ← back: the pane showed the step's last line, its title and `say`
  /// text above the window.
  @Test("a step left and entered again shows its narration from the top")
  func narrationScrollForgotten() throws {
    var d = AppDriver(try sceneApp("e6-ksm-root-lifetime.scene", view: .diagram), width: 80, height: 24)
    _ = d.type("g9\n")
    let top = d.screen
    _ = d.press(.pageDown)
    #expect(d.state.narrationOffset > 0, "PgDn scrolled nothing: the test proves nothing")
    _ = d.press(.right)
    _ = d.press(.left)
    #expect(d.state.step == 9 && d.state.narrationOffset == 0)
    #expect(d.screen == top)
  }

  /// A what-if branch replaced the rest of the scene with nothing on screen saying how to get it
  /// back (`:q` quits anonvis; only `u` returns).
  @Test("a what-if branch says u goes back to the scene, in its message and on the status line")
  func whatIfSaysTheWayBack() throws {
    var d = AppDriver(try sceneApp("e3-three-generations.scene", view: .diagram), width: 120, height: 40)
    let steps = d.state.timeline.stepCount
    _ = d.type("g3\n")
    _ = d.type(":fork P1 P2\n")
    #expect(d.state.timeline.stepCount == 4, "the branch: steps 1-3 and the line typed")
    #expect(d.state.message?.contains("u goes back to the scene") == true, "\(d.state.message ?? "")")
    #expect(d.screen.contains("u undo (to the scene)"), "\(d.screen)")
    _ = d.press(.char("u"))
    #expect(d.state.timeline.stepCount == steps && d.state.step == 3)
    #expect(!d.screen.contains("u undo (to the scene)"))
  }

  /// At 80×24 the header named the model `kernel 6.1 (root rwsem)` at step 6 and `kernel 6.1` with
  /// 12 blank cells at step 10: the counter's extra digit took the room.
  @Test("the header's left part is the same at every step of a scene, at 80x24")
  func headerStable() throws {
    var s = try sceneApp("concurrency/readers-queue-behind-a-waiting-writer-6.1.scene", view: .diagram)
    var lefts = Set<String>()
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let top = s.frame(width: 80, height: 24).plainText.split(separator: "\n").first.map(String.init) ?? ""
      let left = top.components(separatedBy: "step ").dropLast().joined(separator: "step ")
      lefts.insert(left.trimmingCharacters(in: .whitespaces))
      #expect(top.trimmingCharacters(in: .whitespaces).hasSuffix("step \(k)/\(s.timeline.stepCount)"), "\(top)")
    }
    #expect(lefts.count == 1, "\(lefts)")
  }

  /// In a micro-step with the forest focused, ↑ selects (the status line says so) while the
  /// narration said `(↑/k back, esc leave)`.
  @Test("in a micro-step the narration names ↑/k as back only while it has the focus")
  func microHintFollowsFocus() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene", view: .diagram), width: 120, height: 40)
    _ = d.type("g4\n")
    _ = d.press(.down)
    #expect(d.state.micro != nil && d.screen.contains("k back, esc leave)"), "\(d.screen)")
    _ = d.press(.tab)
    #expect(d.state.focus != .steps)
    #expect(d.state.micro != nil && d.screen.contains("(esc leave)") && !d.screen.contains("k back"), "\(d.screen)")
  }

  /// At 80×32 a stacked comparison gave each forest 4 rows: E6's changed AV2 was out of view in
  /// both halves and the other model's differences under `↓ 18 more`.
  @Test("a stacked comparison needs 40 rows: at 80x39 one model and the notice, at 80x40 both halves")
  func stackedCompareRows() throws {
    var s = try sceneApp("e6-ksm-root-lifetime.scene", view: .diagram)
    s.go(to: 10)
    _ = send(&s, [.char("c")])
    #expect(s.compareTimeline != nil)
    let short = s.frame(width: 80, height: 39).plainText
    #expect(short.contains("needs 160 columns or 40 rows (now 80×39)"), "\(short)")
    #expect(!s.compareFits(width: 80, height: 39) && s.compareFits(width: 80, height: 40))
    let tall = s.frame(width: 80, height: 40).plainText.split(separator: "\n").map(String.init)
    #expect(tall.filter { $0.contains("E6: KSM keeps") }.count == 2, "two headers, stacked")
  }
}
