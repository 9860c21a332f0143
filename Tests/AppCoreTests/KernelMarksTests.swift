import AnonVMASim
import AppCore
import Conformance
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@Suite("play --conform: the kernel's verdict on the status line and in the narration, its facts in the inspector")
struct KernelMarksTests {
  /// A fork scene on the 6.1 model with a fixed kernel record: step 1 not run, steps 2 and 3
  /// agree, step 4 (the fork) has P1's page exclusive on the kernel.
  func state() -> AppState {
    let timeline = Timeline(
      scene: Parser.parse("spawn P1\nmmap P1 A 2\ntouch P1 A 0\nfork P1 P2"), defaultTitle: "t", kernel: .v6)
    var steps: [Int: KernelStep] = [1: KernelStep(notCompared: "left out for the test")]
    for k in 2...4 {
      let model = Facts(model: timeline.states[k])
      var kernel = model
      if k == 4 { kernel.flipFirstExclusive() }
      steps[k] = KernelStep(
        model: model, kernel: kernel,
        disagreements: Comparer.compare(model: model, kernel: kernel, world: timeline.states[k]))
    }
    var s = AppState(timeline: timeline, fileName: "t.scene")
    s.forestView = .matrix
    s.kernelRecord = KernelRecord(release: "6.18", steps: steps)
    return s
  }

  @Test("each step's mark on the status line, the verdict and the disagreements in the narration")
  func marks() {
    var d = AppDriver(state(), width: 120, height: 40)
    #expect(d.screen.contains("Linux 6.18: 2 of 3 steps agree with the 6.1 model, 1 not run here"))
    #expect(!d.screen.contains("Linux ✓"))
    d.press(.right)
    #expect(d.screen.contains("step 1/4 Linux –"))
    #expect(d.screen.contains("– not run on Linux 6.18: left out for the test"))
    d.press(.right)
    #expect(d.screen.contains("step 2/4 Linux ✓"))
    #expect(d.screen.contains("✓ Linux 6.18 agrees: 1 process(es), 1 VMA(s), 0 page(s)"))
    d.press(.char("G"))
    #expect(d.screen.contains("step 4/4 Linux ✗1"))
    #expect(d.screen.contains("✗1 Linux 6.18 disagrees with the model on 1 fact:"))
    #expect(d.screen.contains("P1 A 0: exclusive: model shared, kernel exclusive"))
    // Stepping back shows the record again, the same.
    d.press(.left, .left)
    #expect(d.screen.contains("step 2/4 Linux ✓"))
  }

  @Test("the inspector of a VMA: the kernel's VMA and pages beside the model's, the wrong one marked")
  func inspector() {
    var d = AppDriver(state(), width: 120, height: 40)
    d.press(.char("G"), .tab, .enter)
    #expect(d.state.overlay == .inspector)
    var screen = d.screen
    #expect(screen.contains("after step 4, model and Linux 6.18:"))
    #expect(screen.contains("kernel VMA    0..1 rw  ✓"))
    #expect(screen.contains("page P1 A 0   model:  anonymous page pg1, mapcount 2, shared, also P2 A 0"))
    #expect(screen.contains("              kernel: anonymous page pfn 0x1, mapcount 2, exclusive, also P2 A 0  ✗"))
    d.press(.escape, .down, .enter)
    screen = d.screen
    #expect(
      screen.contains("page P2 A 0   anonymous page, mapcount 2, shared, also P1 A 0 (model pg1, kernel pfn 0x1)  ✓"))
  }

  @Test("a long VMA's pages are cut to the popup's room, and the cut is said")
  func cut() {
    let timeline = Timeline(
      scene: Parser.parse("spawn P1\nmmap P1 A 40\ntouch P1 A 0..39"), defaultTitle: "t", kernel: .v6)
    let model = Facts(model: timeline.states[3])
    var s = AppState(timeline: timeline, fileName: "t.scene")
    s.forestView = .matrix
    s.kernelRecord = KernelRecord(
      release: "6.18", steps: [3: KernelStep(model: model, kernel: model, disagreements: [])])
    var d = AppDriver(s, width: 100, height: 30)
    d.press(.char("G"), .tab, .enter)
    #expect(d.screen.contains("page P1 A 0   anonymous page, mapcount 1, exclusive (model pg1, kernel pfn 0x1)  ✓"))
    #expect(d.screen.contains("more lines (a taller terminal shows them)"))
    #expect(!d.screen.contains("page P1 A 39 "))
  }

  @Test("no record: no mark and no kernel lines")
  func none() {
    var s = state()
    s.kernelRecord = nil
    var d = AppDriver(s, width: 120, height: 40)
    d.press(.char("G"), .tab, .enter)
    #expect(!d.screen.contains("Linux ✗") && !d.screen.contains("Linux 6.18"))
  }
}
