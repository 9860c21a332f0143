import AnonVMASim
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// A state after running `source` to its last step (layout computed by the reducer).
private func lastStep(_ source: String) -> AppState {
  var s = AppState(timeline: Timeline(scene: Parser.parse(source), defaultTitle: "t"), fileName: "t.scene")
  s.forestView = .matrix
  _ = s.reduce(.key(.end))
  return s
}

private let forkCOW = "spawn P1\nmmap P1 A 4\ntouch P1 A 0..3\nfork P1 P2\ntouch P2 A 0"

/// The rows of a buffer as text (cells joined; trailing blanks kept).
private func rows(_ b: Buffer) -> [String] {
  (0..<b.height).map { y in (0..<b.width).map { b[$0, y].text }.joined() }
}

@Suite("Widgets: each pane rendered alone into a small buffer")
struct WidgetTests {
  @Test("Block draws its box and title inside its area only")
  func block() {
    var b = Buffer(width: 12, height: 5)
    Block(title: "t", focused: false, theme: .ascii).render(in: Rect(x: 1, y: 1, width: 8, height: 3), into: &b)
    let r = rows(b)
    #expect(r[0] == String(repeating: " ", count: 12))
    #expect(r[1] == " +- t --+   ")
    #expect(r[2] == " |      |   ")
    #expect(r[3] == " +------+   ")
    var focused = Buffer(width: 12, height: 3)
    Block(title: "t", focused: true, theme: .ascii).render(in: focused.area, into: &focused)
    #expect(rows(focused)[0].hasPrefix("+- > t -"))
    #expect(focused[0, 0].style.bold)
  }

  @Test("LineList announces the lines it cuts and keeps the selected line visible")
  func lineList() {
    var b = Buffer(width: 20, height: 3)
    let lines = (0..<10).map { Line("line \($0)", selected: $0 == 7) }
    LineList(lines: lines, theme: .ascii).render(in: b.area, into: &b)
    let r = rows(b)
    #expect(r.contains { $0.hasPrefix("line 7") })
    #expect(r[2].hasPrefix("^ 6 above v 2 more"))
    let selectedRow = r.firstIndex { $0.hasPrefix("line 7") } ?? 0
    #expect(b[0, selectedRow].style.reverse)
  }

  @Test("Header shows title, kernel, file and the step")
  func header() {
    var b = Buffer(width: 100, height: 1)
    Header(
      title: "demo", kernel: .v2_6_36, variants: [], explore: true, fileName: "d.scene", step: 5, stepCount: 10,
      theme: .ascii
    ).render(in: b.area, into: &b)
    let text = rows(b)[0]
    #expect(text.hasPrefix(" anonvis  demo  kernel 2.6.36 (root lock)  [explore]  (d.scene)"))
    #expect(text.hasSuffix("step 5/10 [#####.....] "))
    #expect(b[0, 0].style.reverse)
  }

  @Test("VMAPane lists processes with their VMAs and marks a new VMA")
  func vmaPane() {
    let s = lastStep(forkCOW)
    let l = s.layout
    var b = Buffer(width: 40, height: 8)
    VMAPane(
      layout: l, covered: [], selectedVMA: nil, focused: false, theme: .ascii
    ).render(in: b.area, into: &b)
    let text = rows(b).joined(separator: "\n")
    #expect(text.contains("processes & VMAs"))
    #expect(text.contains("P1"))
    #expect(text.contains("`-P2"))
    #expect(text.contains("A@0 0..3 rw ->AV1"))
    #expect(text.contains("A@0 0..3 rw ->AV2"))
  }

  @Test("ForestMatrix: a column per anon_vma, own and chain marks")
  func forestMatrix() {
    let s = lastStep(forkCOW)
    let l = s.layout
    var b = Buffer(width: 40, height: 6)
    ForestMatrix(layout: l, covered: [], selected: nil, theme: .ascii)
      .render(in: b.area, into: &b)
    let r = rows(b)
    #expect(r[0].contains("AV1 AV2"))
    // P2's VMA: its own AV2 (@) and AV1 on its chain (*).
    #expect(r.contains { $0.contains("P2:A") && $0.contains("*   @") })
  }

  @Test("ForestTree: a child anon_vma under its parent")
  func forestTree() {
    let s = lastStep(forkCOW)
    let l = s.layout
    var b = Buffer(width: 40, height: 4)
    ForestTree(layout: l, covered: [], selected: 2, theme: .ascii).render(in: b.area, into: &b)
    let r = rows(b)
    #expect(r[0].hasPrefix(" AV1  P1:A@0 P2:A@0"))
    #expect(r[1].hasPrefix(" `-AV2  P2:A@0"))
    #expect(b[0, 1].style.reverse)
  }

  @Test("ForestTree: every anon_vma whose root is another sits under an ancestor, also when no VMA reaches it (E1-E6)")
  func forestTreeKeepsRoots() throws {
    var checked = 0
    for scene in [
      "e1-first-touch", "e2-fork-cow", "e3-three-generations", "e4-split-merge", "e5-rmap-coverage",
      "e6-ksm-root-lifetime",
    ] {
      var s = try sceneApp(scene + ".scene")
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        let w = s.layout.world
        let lines = ForestTree(layout: s.layout, covered: [], selected: nil, theme: .ascii).lines
        let text = lines.map { $0.segments.map(\.0).joined() }
        for a in s.layout.columns {
          guard let root = w.anonVMA(a)?.root, root != a, s.layout.columns.contains(root) else { continue }
          let name = World.avName(a)
          let line = try #require(text.first { $0.contains("\(name)  ") || $0.hasSuffix(name) })
          #expect(line.contains("`-\(name)"), "\(scene) step \(k): \(name) drawn as a tree of its own: \(text)")
          checked += 1
        }
      }
    }
    #expect(checked > 20)
  }

  @Test("ForestDetails: counters, lists and pages of each anon_vma")
  func forestDetails() {
    let s = lastStep(forkCOW)
    let l = s.layout
    var b = Buffer(width: 60, height: 6)
    ForestDetails(layout: l, covered: [], selected: nil, theme: .ascii)
      .render(in: b.area, into: &b)
    let text = rows(b).joined(separator: "\n")
    #expect(text.contains("AV1 root ext 1 [P1:A@0 P2:A@0] pg1 pg2 pg3 pg4"))
    #expect(text.contains("AV2 ->AV1 ext 0 [P2:A@0] pg5"))
  }

  @Test("ForestPane frames the forest and says when there is none")
  func forestPane() {
    let empty = lastStep("spawn P1\nmmap P1 A 1")
    var b = Buffer(width: 60, height: 6)
    ForestPane(
      layout: empty.layout, covered: [], selectedAV: nil, treeLayout: true,
      focused: true, theme: .ascii
    ).render(in: b.area, into: &b)
    let text = rows(b).joined(separator: "\n")
    #expect(text.contains("> anon_vma forest (tree)"))
    #expect(text.contains("no anon_vma yet"))
  }

  @Test(
    "the tree view says its edges are the fork order where the kernel keeps no anon_vma->parent",
    arguments: [("2.6.36", "2.6.36 keeps only ->root"), ("2.6.34", "keeps neither ->parent nor ->root"), ("6.1", nil)])
  func treeEdges(kernel: String, note: String?) {
    let s = lastStep("kernel \(kernel)\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\ntouch P2 A 0")
    var b = Buffer(width: 60, height: 12)
    ForestPane(layout: s.layout, covered: [], selectedAV: nil, treeLayout: true, focused: true, theme: .ascii)
      .render(in: b.area, into: &b)
    // The pane's text, its border left out: a wrapped line reads across rows.
    let text = rows(b).map { $0.replacingOccurrences(of: "|", with: " ") }.joined(separator: " ")
      .split(separator: " ").joined(separator: " ")
    if let note {
      #expect(text.contains("edges: fork order, read from the chains") && text.contains(note), "\(text)")
    } else {
      #expect(!text.contains("fork order"), "\(text)")
    }
  }

  @Test("NarrationPane: the step, the message under it, and the kernel functions")
  func narrationPane() {
    let s = lastStep(forkCOW)
    var b = Buffer(width: 60, height: 8)
    NarrationPane(
      step: 5, info: s.timeline.steps[5], nextLabel: nil, micro: nil, cpus: [], presenter: true,
      functions: ["do_anonymous_page", "anon_vma_prepare"], message: .error("hello"), focused: false, theme: .ascii
    ).render(in: b.area, into: &b)
    let r = rows(b)
    #expect(r[0].contains("narration | presenter") || r[0].contains("narration"))
    #expect(r[1].hasPrefix("|5 touch P2 A 0"))
    #expect(r[2].hasPrefix("|X hello"))
    #expect(r.contains { $0.contains("next: (end of scene)") })
    #expect(r.contains { $0.contains("kernel: do_anonymous_page | anon_vma_prepare") })
  }

  @Test("StatusBar: hints left, kernel, CPUs and step right; a prompt replaces the hints")
  func statusBar() {
    var bar = StatusBar(
      prompt: nil, hints: HintLine([KeyHint("hints", "hints", rank: 1)], ascii: true), playing: true, cpus: [],
      totals: "1p",
      kernel: .v2_6_36, step: 2, stepCount: 9,
      theme: .ascii)
    var b = Buffer(width: 60, height: 1)
    bar.render(in: b.area, into: &b)
    #expect(rows(b)[0].hasPrefix(" hints  [playing]"))
    #expect(rows(b)[0].hasSuffix(" 2.6.36   step 2/9 "))
    bar.prompt = .find("P1")
    var p = Buffer(width: 60, height: 1)
    bar.render(in: p.area, into: &p)
    #expect(rows(p)[0].hasPrefix(" find: P1_"))
    #expect(!rows(p)[0].contains("hints"))
    var wide = Buffer(width: 120, height: 1)
    bar.render(in: wide.area, into: &wide)
    #expect(rows(wide)[0].contains(" 1p "))
  }

  @Test("HelpOverlay lists its keys in a centred box")
  func helpOverlay() {
    var b = Buffer(width: 60, height: 10)
    HelpOverlay(keys: [("q", "quit"), ("?", "close this help")], theme: .ascii).render(in: b.area, into: &b)
    let text = rows(b).joined(separator: "\n")
    #expect(text.contains("keys valid now"))
    #expect(text.contains(" q  quit"))
    #expect(text.contains(" ?  close this help"))
    #expect(rows(b)[0] == String(repeating: " ", count: 60))
  }

  @Test("Inspector shows the selected VMA's fields, or that nothing is selected")
  func inspector() {
    let s = lastStep(forkCOW)
    let w = s.layout.world
    let vma = w.orderedVMAs.last ?? 0
    var b = Buffer(width: 80, height: 14)
    Inspector(subject: .vma(vma), world: w, steps: s.timeline.steps, theme: .ascii).render(in: b.area, into: &b)
    let text = rows(b).joined(separator: "\n")
    #expect(text.contains("anon_vma      AV2"))
    #expect(text.contains("chain         AV2 AV1  (newest to oldest)"))
    #expect(text.contains("enter or esc closes"))
    var none = Buffer(width: 80, height: 14)
    Inspector(subject: .nothing, world: w, steps: s.timeline.steps, theme: .ascii).render(in: none.area, into: &none)
    #expect(rows(none).joined().contains("nothing selected"))
  }
}

@Suite("Layout: computed by the reducer, read by the view")
struct LayoutTests {
  @Test("the layouts follow step, micro-step, folding and the comparison model")
  func follows() throws {
    var s = try sceneApp("e2-fork-cow.scene")
    send(&s, [.right, .right])
    #expect(s.layout.key.step == 2 && s.layoutsCurrent && s.compareLayout == nil)
    send(&s, [.char("c")])
    #expect(s.compareLayout?.key.step == 2)
    #expect(s.compareLayout?.key.kernel == s.compareTimeline?.kernel)
    s.folding = false
    send(&s, [.right, .down])
    #expect(s.layout.key.step == 3 && s.layout.key.micro == 0 && !s.layout.key.folding)
    // Inside a micro-step, the other model's micro-step paired with it (MicroAlignment).
    #expect(s.compareLayout?.key.step == 3 && s.compareLayout?.key.micro == s.compareMicros?.partner[0])
    #expect(s.compareLayout?.key.micro != nil)
    #expect(s.layout.microStepCount == s.timeline.microStates(step: 3).count)
    #expect(s.layoutsCurrent)
    _ = s.reduce(.selectMicro(99))
    #expect(s.micro == nil && s.layout.key.micro == nil)
  }
}
