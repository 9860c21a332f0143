import AppCore
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

/// Sends keys and returns the effects.
@discardableResult
func send(_ state: inout AppState, _ keys: [Key]) -> [Effect] {
  keys.flatMap { state.reduce(.key($0)) }
}

func chars(_ s: String) -> [Key] { s.map { Key.char($0) } }

let lectureScenes = [
  "e1-first-touch.scene", "e2-fork-cow.scene", "e3-three-generations.scene", "e4-split-merge.scene",
  "e5-rmap-coverage.scene", "e6-ksm-root-lifetime.scene",
]

@Suite("The app: frames and key handling on a headless surface")
struct AppCoreTests {
  @Test(
    "golden text frames of every step of E1-E6 at 80x24 and 120x40",
    arguments: lectureScenes, [(80, 24), (120, 40)])
  func goldenFrames(file: String, size: (Int, Int)) throws {
    var state = AppState(timeline: try scene(file), fileName: file)
    state.forestView = .matrix
    var text = ""
    for k in 0...state.timeline.stepCount {
      state.go(to: k)
      text += "=== step \(k) ===\n" + state.render(width: size.0, height: size.1).plainText
    }
    let name = file.replacingOccurrences(of: ".scene", with: "") + "-\(size.0)x\(size.1).txt"
    try assertGolden(
      text, "Tests/AppCoreTests/Golden/\(name)", "frames differ from \(name); re-record with RECORD_GOLDEN=1 and review"
    )
  }

  @Test("tiny and huge sizes render without crashing; too small says what it needs")
  func sizes() throws {
    var state = AppState(timeline: try scene("e3-three-generations.scene"), fileName: "e3")
    state.forestView = .matrix
    state.go(to: 5)
    for (w, h) in [(0, 0), (1, 1), (20, 5), (59, 40), (300, 100)] {
      let b = state.render(width: w, height: h)
      #expect(b.width == w && b.height == h)
    }
    #expect(state.render(width: 59, height: 40).plainText.contains("terminal too small: need 60×16"))
    #expect(state.render(width: 300, height: 100).plainText.contains("step 5/8"))
  }

  @Test("the status bar always shows step K/N, the kernel and the CPU states")
  func statusBar() throws {
    var state = AppState(timeline: try scene("e2-fork-cow.scene"), fileName: "e2")
    state.forestView = .matrix
    for k in [0, 4, 11] {
      state.go(to: k)
      let lines = state.render(width: 80, height: 24).plainText.split(separator: "\n")
      #expect(lines.last?.hasSuffix("step \(k)/11") == true)
      #expect(lines.last?.contains("cpu0") == true)
      #expect(lines.first?.contains("kernel 2.6.36") == true)
    }
  }

  @Test("stepping: next, previous, first, last, and jumps by number and chapter")
  func stepping() {
    var s = app("spawn P1\nchapter \"Map it\"\nmmap P1 A 2\ntouch P1 A 0\nchapter \"Fork\"\nfork P1 P2\nexit P1")
    send(&s, [.right, .right, .char("l"), .char(" ")])
    #expect(s.step == 4)
    send(&s, [.left, .char("h")])
    #expect(s.step == 2)
    send(&s, [.char("G")])
    #expect(s.step == 5)
    send(&s, [.right])
    #expect(s.step == 5)
    send(&s, [.char("0")])
    #expect(s.step == 0)
    send(&s, [.char("g")] + chars("3") + [.enter])
    #expect(s.step == 3)
    send(&s, [.char("g")] + chars("fork") + [.enter])
    #expect(s.step == 4)
    send(&s, [.char("g")] + chars("99") + [.enter])
    #expect(s.step == 4)
    #expect(s.message == "no step 99: the scene has steps 0..5")
    #expect(s.render(width: 80, height: 24).plainText.contains("✗ no step 99"))
  }

  @Test("step into micro-steps one at a time and back out")
  func microSteps() {
    var s = app("spawn P1\nmmap P1 A 1\ntouch P1 A 0")
    send(&s, [.char("G"), .down])
    #expect(s.micro == 0)
    #expect(s.render(width: 80, height: 24).plainText.contains("3.1/9 cpu0 anon_vma_chain_alloc"))
    send(&s, [.char("j"), .char("j"), .char("j")])
    #expect(s.micro == 3)
    let frame = s.render(width: 80, height: 24).plainText
    #expect(frame.contains("3.4/9 cpu0 anon_vma_lock: lock AV1"))
    #expect(frame.contains("LOCKED by cpu0: touch P1 A 0"))
    send(&s, Array(repeating: .char("j"), count: 20))
    #expect(s.micro == 8)
    send(&s, Array(repeating: .up, count: 9))
    #expect(s.micro == nil)
    send(&s, [.down, .right])
    #expect(s.micro == nil)
  }

  @Test("help lists only the keys valid now; esc closes it")
  func help() {
    var s = app("spawn P1\nspawn P2")
    send(&s, [.char("?")])
    let first = s.render(width: 80, height: 24).plainText
    #expect(first.contains("keys valid now"))
    #expect(first.contains("next step"))
    #expect(!first.contains("previous step"))
    send(&s, [.escape, .char("G"), .char("?")])
    let last = s.render(width: 80, height: 24).plainText
    #expect(!last.contains("next step"))
    #expect(last.contains("previous step"))
    send(&s, [.char("?")])
    #expect(s.overlay == nil)
  }

  @Test(
    "the help's every word is on screen at 60x16, 80x24 and 120x40, scrolling with ↓ where it does not fit, and ↑ moves at once after too many ↓"
  )
  func helpWraps() throws {
    for (width, height) in [(60, 16), (80, 24), (120, 40)] {
      var s = try sceneApp("e3-three-generations.scene", view: .diagram)
      send(&s, [.char("g"), .char("5"), .enter, .tab, .char("?")])
      var seen = ""
      var last = ""
      for _ in 0..<40 {
        let frame = s.frame(width: width, height: height).plainText
        seen += frame
        if frame == last { break }
        last = frame
        send(&s, [.down])
      }
      let words = Set(seen.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "│" }).map(String.init))
      for (_, help) in s.validKeys {
        for word in help.split(separator: " ") {
          #expect(words.contains(String(word)), "\(width)x\(height): '\(word)' of '\(help)'")
        }
      }
      // At the bottom: one ↑ scrolls back at once (no hidden scroll past the end).
      let bottom = s.frame(width: width, height: height).plainText
      send(&s, [.up])
      #expect(s.frame(width: width, height: height).plainText != bottom || s.helpScroll == 0, "\(width)x\(height)")
    }
  }

  @Test("play auto-advances at its pace and stops at the last step")
  func play() {
    var s = app("spawn P1\nspawn P2\nspawn P3")
    send(&s, [.char("p")])
    #expect(s.playing)
    _ = s.reduce(.tick(1.0))
    #expect(s.step == 0)
    let effects = s.reduce(.tick(0.6))
    #expect(s.step == 1)
    #expect(effects == [.stepChanged(1)])
    _ = s.reduce(.tick(10))
    #expect(s.step == 3)
    #expect(!s.playing)
    // At the last step p asks before it starts over; p again plays from step 0.
    send(&s, [.char("p")])
    #expect(s.step == 3 && !s.playing && s.message == "the last step: p again plays from the start")
    send(&s, [.char("p")])
    #expect(s.step == 0 && s.playing)
  }

  @Test("a pinned VMA whose process exits keeps its name in the message and on the pane (not vma#N)")
  func pinnedVMAGone() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    send(&s, [.char("/")] + "P2:A@0".map { .char($0) } + [.enter, .char("P")])
    #expect(s.message == "pinned P2:A@0: P releases it")
    // Step 6 draws the exited P2 once more (a freed object leaves its place for one step); at 7 it is gone.
    send(&s, [.right, .right])
    #expect(s.step == 7)
    #expect(s.message == "pinned P2:A@0 is not in this step (P releases the pin)", "\(s.message ?? "")")
    let frame = s.render(width: 120, height: 40).plainText
    #expect(frame.contains("pinned P2:A@0 (not in this step)") && !frame.contains("vma#"), "\(frame)")
  }

  @Test("selection and the inspector: created at step K by ...")
  func inspector() {
    var s = app("spawn P1\nmmap P1 A 2\ntouch P1 A 0\nfork P1 P2")
    send(&s, [.char("G"), .tab, .down, .enter])
    #expect(s.overlay == .inspector)
    var frame = s.render(width: 100, height: 30).plainText
    #expect(frame.contains("P2:A@0"))
    #expect(frame.contains("created at    step 4 by fork P1 P2"))
    send(&s, [.escape, .tab, .enter])
    frame = s.render(width: 100, height: 30).plainText
    #expect(frame.contains("created at    step 3 by anon_vma_prepare (touch P1 A 0)"))
    // Every field's value starts in one column, and an anon_vma's pages are listed.
    #expect(frame.contains("same_anon_vma P1:A@0 P2:A@0") && frame.contains("root          AV1"))
    #expect(frame.contains("pages         pg1  (page->mapping)"))
  }

  @Test("presenter mode shows notes and the next step")
  func presenter() {
    var s = app("spawn P1\nnote \"say this slowly\"\nspawn P2")
    send(&s, [.right, .char("n")])
    let frame = s.render(width: 80, height: 24).plainText
    #expect(frame.contains("note: say this slowly"))
    #expect(frame.contains("next: spawn P2"))
  }

  @Test("explore: ':' runs operations as new steps, errors show in place, :w saves")
  func explore() {
    var s = AppState(timeline: Timeline(title: "explore", kernel: .v2_6_36), fileName: "")
    s.forestView = .matrix
    s.explore = true
    send(&s, [.char(":")] + chars("spawn P1") + [.enter])
    send(&s, [.char(":")] + chars("mmap P1 heap 2") + [.enter])
    send(&s, [.char(":")] + chars("touch P1 heap 0") + [.enter])
    #expect(s.timeline.stepCount == 3)
    #expect(s.step == 3)
    send(&s, [.char(":")] + chars("touch P9 heap 0") + [.enter])
    #expect(s.timeline.stepCount == 3)
    #expect(s.message == "error: unknown or exited process 'P9' (at step 4)" || s.message?.hasPrefix("error:") == true)
    send(&s, [.char(":")] + chars("frobnicate") + [.enter])
    #expect(s.message?.hasPrefix("error: unknown statement") == true)
    let effects = send(&s, [.char(":")] + chars("w /tmp/x.scene") + [.enter])
    #expect(
      effects == [
        .save(
          path: "/tmp/x.scene", text: "title \"explore\"\nkernel 2.6.36\n\nspawn P1\nmmap P1 heap 2\ntouch P1 heap 0\n")
      ])
    let reparsed = Timeline(scene: Parser.parse(s.exploreScene), defaultTitle: "x")
    #expect(reparsed.stepCount == 3)
    #expect(send(&s, [.char(":")] + chars("q") + [.enter]) == [.quit])
  }

  @Test("--ascii frames use no box drawing or symbols; NO_COLOR frames carry no color")
  func asciiAndNoColor() throws {
    var s = AppState(
      timeline: try scene("e2-fork-cow.scene"), fileName: "e2", options: RenderOptions(ascii: true, colors: false))
    s.forestView = .matrix
    s.go(to: 4)
    let b = s.render(width: 100, height: 30)
    #expect(b.plainText.unicodeScalars.allSatisfy { $0.isASCII })
    #expect(b.cells.allSatisfy { $0.style.fg == nil && $0.style.bg == nil })
    let ansi = ANSIEncoder.frame(b, colors: .none)
    #expect(!ansi.contains("\u{1b}[3"))
  }

  @Test("scene text is escaped in frames: no raw control characters reach the terminal")
  func escaping() {
    var s = app("title \"\u{1b}]52;c;AAAA\u{7}x\"\nspawn P1\nsay \"\u{1b}[2J\u{202E}evil\"")
    send(&s, [.right])
    let b = s.render(width: 100, height: 30)
    let text = b.plainText
    #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    #expect(!text.unicodeScalars.contains("\u{202E}"))
    #expect(text.contains("\\e[2J"))
    let ansi = ANSIEncoder.frame(b, colors: .ansi16)
    #expect(!ansi.contains("\u{1b}]52"))
    #expect(!ansi.contains("\u{1b}[2J"))
  }

  @Test("the diff between frames holds only the cells that changed")
  func frameDiff() throws {
    var s = AppState(timeline: try scene("e2-fork-cow.scene"), fileName: "e2")
    s.forestView = .matrix
    s.go(to: 3)
    let a = s.render(width: 80, height: 24)
    s.go(to: 4)
    let b = s.render(width: 80, height: 24)
    let changes = b.diff(from: a)
    #expect(!changes.isEmpty && changes.count < 80 * 24 / 2)
    #expect(b.diff(from: b).isEmpty)
  }
}

@Suite("Side by side")
struct CompareTests {
  @Test("c cycles the comparison model; both halves step in lockstep and name their kernel")
  func compare() throws {
    var s = try sceneApp("e3-three-generations.scene")
    send(&s, [.char("c")])
    #expect(s.compareTimeline?.kernel == .v2_6_34)
    send(&s, [.char("c")])
    #expect(s.compareTimeline?.kernel == .v6)
    send(&s, [.right, .right, .right, .right, .right])
    let frame = s.render(width: 110, height: 40).plainText
    #expect(frame.contains("kernel 2.6.36 (root lock)"))
    #expect(frame.contains("kernel 6.1 (root rwsem)"))
    #expect(frame.components(separatedBy: "step 5/8").count - 1 == 4)
    #expect(frame.contains("AV1 root ext 2"))
    #expect(frame.contains("AV1 root ref 3 nc 2 act 1"))
    send(&s, [.char("c")])
    #expect(s.compareTimeline?.kernel == .mainline)
    #expect(s.render(width: 110, height: 40).plainText.contains("kernel mainline v7.0 (reworked clone/unlink)"))
    send(&s, [.char("c")])
    #expect(s.compareTimeline == nil)
    #expect(!s.render(width: 110, height: 40).plainText.contains("6.1 (root rwsem)"))
  }

  @Test("a variant scene compares first with its own model without the variant")
  func variantFix() throws {
    var s = try sceneApp("concurrency/mmu-notifier-deadlock-no-6-5.scene")
    send(&s, [.char("c"), .char("G")])
    #expect(s.compareTimeline?.kernel == .v2_6_36)
    #expect(s.compareTimeline?.variants.isEmpty == true)
    let frame = s.render(width: 110, height: 40).plainText
    #expect(frame.contains("cpu0✖"))
    #expect(frame.contains("! C18"))
    #expect(frame.components(separatedBy: "! C18").count - 1 == 1)
  }
}

@Suite("Explore never traps")
struct ExploreRobustnessTests {
  @Test("statements the static checker would refuse are errors in place, not traps")
  func uncheckedStatements() {
    var s = AppState(timeline: Timeline(title: "explore", kernel: .v2_6_36, cpus: 2), fileName: "")
    s.forestView = .matrix
    s.explore = true
    for line in [
      "on cpu5 step", "on cpu2 finish", "on cpu7 begin spawn P1", "expect idle cpu9", "spawn P1", "on cpu1 step",
    ] {
      send(&s, [.char(":")] + chars(line) + [.enter])
    }
    #expect(s.timeline.stepCount == 1)
    #expect(s.message?.hasPrefix("error:") == true)
    _ = s.render(width: 100, height: 30)
  }
}

@Suite("Find")
struct FindTests {
  @Test("/ finds VMAs, processes, anon_vmas and pages, also off screen, and selects them")
  func find() throws {
    var s = try sceneApp("scale/forking-server-200.scene")
    send(&s, [.char("g")] + chars("200") + [.enter])
    send(&s, [.char("/")] + chars("P150:m2@0") + [.enter])
    #expect(s.focus == .vmas)
    var frame = s.render(width: 120, height: 40).plainText
    #expect(frame.contains("P150"))
    send(&s, [.char("/")] + chars("AV700") + [.enter])
    #expect(s.focus == .forest)
    frame = s.render(width: 120, height: 40).plainText
    #expect(frame.contains("AV700 →AV"))
    send(&s, [.char("/")] + chars("nosuch") + [.enter])
    #expect(s.message == "nothing named 'nosuch' at this step")
  }
}

@Suite("Large forests stay readable")
struct FoldingTests {
  @Test("a 200-process forest folds identical sibling subtrees (golden frame); z unfolds")
  func folded() throws {
    var s = try sceneApp("scale/server-200-children.scene", fileName: "fs")
    send(&s, [.char("G")])
    let text = s.render(width: 120, height: 40).plainText
    #expect(text.contains("more like the one above"))
    try assertGolden(text, "Tests/AppCoreTests/Golden/server-200-folded-120x40.txt")
    let foldedRows = s.selectable(.vmas).count
    send(&s, [.char("z")])
    #expect(s.selectable(.vmas).count > foldedRows)
    #expect(!s.render(width: 120, height: 40).plainText.contains("more like the one above"))
  }
}

/// The frame at a step of a scene under scenes/.
func frame(_ name: String, step: Int, width: Int = 120, height: Int = 40) throws -> String {
  var s = try sceneApp(name)
  s.go(to: step)
  return s.render(width: width, height: height).plainText
}

/// The anon_vma names a frame says were freed, top to bottom.
func freedOrder(_ frame: String) -> [String] {
  frame.split(separator: "\n").compactMap { line in
    guard let r = line.range(of: #"AV\d+ freed"#, options: .regularExpression) else { return nil }
    return String(line[r].dropLast(" freed".count))
  }
}

@Suite("Trust: what a frame states is true")
struct TrustTests {
  @Test("anon_vmas freed in a step are listed in the order the kernel freed them, the root last")
  func freedInKernelOrder() throws {
    #expect(freedOrder(try frame("e3-three-generations.scene", step: 8)) == ["AV3", "AV2", "AV1"])
    #expect(
      freedOrder(try frame("e3-three-generations.scene", step: 8, width: 80, height: 24)) == ["AV3", "AV2", "AV1"])
    #expect(freedOrder(try frame("e6-ksm-root-lifetime.scene", step: 12)) == ["AV2", "AV1"])
    #expect(try frame("e3-three-generations.scene", step: 8).contains("AV1 freed 3rd in this step"))
  }

  @Test("an rmap walk is shown only in the step that made it, never after its page moved or its VMAs went")
  func walkOnlyInItsStep() throws {
    let e2 = try sceneApp("e2-fork-cow.scene").timeline
    #expect(e2.states[8].lastWalk?.step == 8)
    #expect(try frame("e2-fork-cow.scene", step: 8).contains("rmap walk of pg2 in AV1, from P2 A 1:"))
    // Step 9 re-files pg2 in AV2: the step-8 walk "under AV1" is no longer true.
    #expect(!(try frame("e2-fork-cow.scene", step: 9).contains("walk")))
    var tour = AppState(timeline: Timeline(scene: Parser.parse(BuiltinScenes.tour), defaultTitle: "tour"), fileName: "")
    tour.forestView = .matrix
    tour.go(to: 9)
    #expect(
      tour.render(width: 120, height: 40).plainText.contains(
        "rmap walk of pg3 in AV2 under AV1's lock, from P2 heap 0:"))
    for k in 10...tour.timeline.stepCount {
      tour.go(to: k)
      #expect(!tour.render(width: 120, height: 40).plainText.contains("walk"), "step \(k)")
    }
  }

  @Test("a held lock names the operation that took it, and separately what its CPU runs now")
  func lockCreditsItsOperation() {
    var s = AppState(timeline: Timeline(title: "explore", kernel: .v2_6_36), fileName: "")
    s.forestView = .matrix
    s.explore = true
    for line in ["spawn P1", "mmap P1 A 1", "touch P1 A 0", "fork P1 P2", "take-all-locks P1"] {
      send(&s, [.char(":")] + chars(line) + [.enter])
    }
    #expect(s.world.lockHolders[1]?.first?.op == "take-all-locks P1")
    #expect(s.render(width: 120, height: 40).plainText.contains("LOCKED by cpu0: take-all-locks P1; cpu0 now idle"))
    send(&s, [.char(":")] + chars("exit P2") + [.enter])
    // It would deadlock cpu0: warned first, Enter again runs it.
    #expect(s.message?.hasPrefix("warning: exit P2 would deadlock cpu0") == true)
    send(&s, [.enter])
    let text = s.render(width: 120, height: 40).plainText
    #expect(!text.contains("LOCKED by cpu0: exit P2"))
    #expect(text.contains("LOCKED by cpu0: take-all-locks P1; cpu0 now runs exit P2"))
  }

  @Test(
    "every VMA is drawn under its own process, one level deeper, at every step",
    arguments: lectureScenes + [
      "concurrency/root-lock-blocks-exit.scene", "concurrency/e7-ksm-drop-vs-munmap-2.6.34.scene",
      "concurrency/rwsem-readers-share-6.1.scene", "every-operation.scene",
    ])
  func vmasUnderTheirProcess(file: String) throws {
    var s = try sceneApp(file)
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let ids = s.selectable(.vmas).compactMap(\.vma)
      var next = 0
      var owner: (name: String, column: Int)?
      for line in vmaPane(s.render(width: 120, height: 40).plainText) {
        // Columns 0 and 1 hold the diff and lock marks.
        let cells = Array(line)
        guard let column = cells.indices.dropFirst(2).first(where: { cells[$0] != " " && cells[$0] != "└" }) else {
          continue
        }
        let text = String(cells[column...]).trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("P"), !text.contains("@") {
          owner = (String(text.prefix { $0 != " " }), column)
        } else if text.contains("@") {
          #expect(
            column == (owner?.column ?? -9) + 2,
            "step \(k): '\(text)' is not one level under \(owner?.name ?? "no process")")
          guard !text.hasSuffix("(freed)"), next < ids.count else { continue }
          let name = s.world.vmaName(ids[next])
          #expect(
            name.hasPrefix((owner?.name ?? "?") + ":"), "step \(k): \(name) drawn under \(owner?.name ?? "no process")")
          next += 1
        }
      }
      #expect(next == ids.count, "step \(k): \(ids.count - next) VMA(s) not drawn")
    }
  }

  @Test("an exited process keeps its detached and freed VMAs under it, with its ancestors as anchor")
  func exitedProcessesKeepTheirVMAs() throws {
    let blocked = vmaPane(try frame("concurrency/root-lock-blocks-exit.scene", step: 7)).map(trimmed)
    #expect(blocked.prefix(4) == ["P1", "A@0 0..0 rw →AV1", "└ P2 (exited)", "A@0 0..0 rw →AV2 (detached)"])
    // Where the line does not fit, the page range gives way, not the anon_vma or "(detached)".
    let narrow = vmaPane(
      try frame("concurrency/root-lock-blocks-exit.scene", step: 7, width: 80, height: 24), paneWidth: 32)
    #expect(narrow.map(trimmed).prefix(4) == ["P1", "A@0 0..0 rw →AV1", "└ P2 (exited)", "A@0 rw →AV2 (detached)"])
    let freed = vmaPane(try frame("concurrency/root-lock-blocks-exit.scene", step: 8)).map(trimmed)
    #expect(freed.prefix(4) == ["P1", "A@0 0..0 rw →AV1", "└ P2 (exited)", "A@0 0..0 (freed)"])
    let e3 = vmaPane(try frame("e3-three-generations.scene", step: 8)).map(trimmed)
    #expect(e3.prefix(4) == ["P1 (exited)", "└ P2 (exited)", "└ P3 (exited)", "A@0 0..0 (freed)"])
    var tour = AppState(timeline: Timeline(scene: Parser.parse(BuiltinScenes.tour), defaultTitle: "tour"), fileName: "")
    tour.forestView = .matrix
    tour.go(to: tour.timeline.stepCount)
    let end = vmaPane(tour.render(width: 120, height: 40).plainText).map(trimmed)
    #expect(end.prefix(4) == ["P1 (exited)", "└ P2 (exited)", "└ P3 (exited)", "heap@0 0..3 (freed)"])
  }
}

/// The non-empty lines of the processes & VMAs pane (48 columns wide in a 120-column frame, 32
/// in an 80-column one), without the box.
func vmaPane(_ frame: String, paneWidth: Int = 48) -> [String] {
  frame.split(separator: "\n").dropFirst(2).prefix { $0.first == "│" }.compactMap { line -> String? in
    let cells = Array(line)
    guard cells.count >= paneWidth else { return nil }
    let inner = String(cells[1..<(paneWidth - 1)])
    return inner.allSatisfy { $0 == " " } ? nil : inner
  }
}

/// A pane line without its diff and lock marks and indentation.
func trimmed(_ line: String) -> String {
  String(line.drop { $0 == " " || $0 == "▌" || $0 == "-" || $0 == "~" || $0 == "+" }).trimmingCharacters(
    in: .whitespaces)
}
