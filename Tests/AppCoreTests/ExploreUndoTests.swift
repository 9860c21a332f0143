import AnonVMASim
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("Explore that forgives: undo/redo, a warning before a deadlock, :help, Tab completion, :w")
struct ExploreUndoTests {
  /// An empty explore session (as `anonvis explore` starts).
  static func explore(cpus: Int = 1) -> AppState {
    var s = AppState(timeline: Timeline(title: "t", kernel: .v2_6_36, cpus: cpus), fileName: "t")
    s.explore = true
    return s
  }

  /// Types `:LINE` and Enter; returns the effects.
  @discardableResult
  static func type(_ s: inout AppState, _ line: String) -> [Effect] {
    send(&s, [.char(":")] + line.map { .char($0) } + [.enter])
  }

  @Test(
    "a scripted session: a deadlock is warned about, run on Enter, undone with u; the session goes on and :w saves a scene that passes check"
  )
  func deadlockUndoSave() throws {
    var s = Self.explore()
    for line in ["spawn P1", "mmap P1 A 1", "touch P1 A 0", "fork P1 P2", "take-all-locks P1"] {
      Self.type(&s, line)
      #expect(s.message?.hasPrefix("ran: ") == true, "\(line): \(String(describing: s.message))")
    }
    #expect(s.timeline.stepCount == 5)
    // exit P2 would take AV1's lock, which cpu0 holds: warned, not run, the line kept at the prompt.
    Self.type(&s, "exit P2")
    #expect(s.timeline.stepCount == 5)
    #expect(
      s.message?.contains("warning: exit P2 would deadlock cpu0 (it waits for AV1's lock, held by cpu0)") == true,
      "\(String(describing: s.message))")
    #expect(s.prompt == .command("exit P2"))
    send(&s, [.enter])
    #expect(s.timeline.stepCount == 6 && s.world.cpus[0].state == .deadlocked)
    // One u: back before it, the CPU idle again, operations run again.
    send(&s, [.char("u")])
    #expect(s.timeline.stepCount == 5 && s.step == 5 && s.world.cpus[0].state == .idle)
    #expect(s.message == "undone: exit P2 (ctrl-r or :redo redoes)")
    #expect(s.exploreLines.last == "take-all-locks P1")
    // ctrl-r runs it again; :undo takes it back again.
    send(&s, [.char("\u{12}")])
    #expect(s.timeline.stepCount == 6 && s.world.cpus[0].state == .deadlocked)
    Self.type(&s, "undo")
    #expect(s.timeline.stepCount == 5 && s.canRedo)
    Self.type(&s, "drop-all-locks P1")
    #expect(s.message == "ran: drop-all-locks P1")
    #expect(!s.canRedo, "a new step drops what could be redone")
    Self.type(&s, "exit P2")
    #expect(s.message == "ran: exit P2", "no warning: nothing blocks")
    #expect(s.timeline.stepCount == 7 && s.world.cpus[0].state == .idle)
    let effects = Self.type(&s, "w /tmp/session.scene")
    guard case .save(let path, let text)? = effects.first else {
      Issue.record("no save: \(effects)")
      return
    }
    #expect(path == "/tmp/session.scene")
    #expect(
      !text.contains("exit P2\ndrop-all-locks") && text.hasSuffix("take-all-locks P1\ndrop-all-locks P1\nexit P2\n"))
    // The saved scene passes check: it parses, runs, and reports nothing unexpected.
    let scene = Parser.parse(text)
    #expect(scene.diagnostics.isEmpty, "\(scene.diagnostics)")
    let replayed = Timeline(scene: scene, defaultTitle: "saved")
    #expect(replayed.runtimeDiagnostics.isEmpty && replayed.stepCount == 7)
    #expect(replayed.unexpectedViolations.isEmpty)
  }

  @Test("u after a what-if branch returns to the scene as played; ctrl-r goes back to the branch")
  func whatIfUndo() throws {
    var s = try sceneApp("e3-three-generations.scene")
    send(&s, [.char("g"), .char("4"), .enter])
    Self.type(&s, "exit P1")
    #expect(s.explore && s.branchedAt == 4 && s.timeline.stepCount == 5)
    send(&s, [.char("u")])
    #expect(!s.explore && s.branchedAt == nil && s.timeline.stepCount == 8 && s.step == 4)
    send(&s, [.char("\u{12}")])
    #expect(s.explore && s.timeline.stepCount == 5 && s.step == 5)
    send(&s, [.char("u"), .char("u")])
    #expect(s.message == "nothing to undo")
  }

  @Test("Tab completes exactly the names that exist at the step on screen")
  func completion() {
    var s = Self.explore(cpus: 2)
    for line in [
      "spawn P1", "mmap P1 A 4", "mmap P1 heap 2", "touch P1 A 1", "touch P1 A 3", "fork P1 P2", "spawn Q1", "exit Q1",
    ] {
      Self.type(&s, line)
    }
    func tab(_ text: String, _ prompt: Prompt? = nil) -> (Prompt?, String?) {
      var t = s
      t.prompt = prompt ?? .command(text)
      send(&t, [.tab])
      return (t.prompt, t.message)
    }
    // Operations, then live processes (Q1 exited), then that process's mappings, then its mapped pages.
    #expect(s.commandCandidates("") == Parser.operationKeywords + ["on", "help", "undo", "redo", "w", "q"])
    #expect(s.commandCandidates("exit ") == ["P1", "P2"])
    #expect(tab("fork P") == (.command("fork P"), "P1  P2"))
    #expect(tab("exit P2") == (.command("exit P2 "), nil))
    #expect(tab("touch P2 ") == (.command("touch P2 "), "A  heap"))
    #expect(tab("touch P2 h") == (.command("touch P2 heap "), nil))
    #expect(s.commandCandidates("rmap P1 A ") == ["1", "3"])
    #expect(s.commandCandidates("mprotect P1 A 0 ") == ["ro", "rw"])
    #expect(s.commandCandidates("on ") == ["cpu0", "cpu1"])
    #expect(s.commandCandidates("on cpu1 begin ksm-merge P1 A 1 P") == ["P1", "P2"])
    #expect(s.commandCandidates("help ").contains("touch"))
    #expect(tab("tou") == (.command("touch "), nil))
    // The find prompt: processes (exited ones too), VMA ids, anon_vmas and pages alive now.
    #expect(tab("AV", .find("AV")) == (.find("AV"), "AV1  AV2"))
    #expect(tab("pg", .find("pg")) == (.find("pg"), "pg1  pg2"))
    #expect(tab("P2:", .find("P2:")) == (.find("P2:"), "P2:A@0  P2:heap@0"))
    #expect(tab("spawn ") == (.command("spawn "), "nothing to complete here"))
  }

  @Test(":help lists every operation with its syntax from the Keywords table; :help OP says one")
  func help() {
    var s = Self.explore()
    Self.type(&s, "help")
    for op in OperationSyntax.all { #expect(s.message?.contains(op.usage) == true, "\(op.usage)") }
    Self.type(&s, "help touch")
    #expect(s.message == "touch PROCESS MAPPING PAGE[..PAGE]: " + (OperationSyntax.named("touch")?.summary ?? "?"))
    Self.type(&s, "help frob")
    #expect(s.message?.hasPrefix("no operation 'frob'") == true)
    #expect(s.timeline.stepCount == 0)
  }

  @Test("two copies of a timeline that go on differently replay their own states (the cache is not shared)")
  func copiesDiverge() {
    func statement(_ line: String) -> LocatedStatement { Parser.parse(line, check: false).statements[0] }
    var a = Timeline(title: "t", kernel: .v2_6_36)
    a.append(statement("spawn P1"))
    a.append(statement("mmap P1 A 1"))
    var b = a
    a.append(statement("spawn P2"))
    b.append(statement("spawn P3"))
    #expect(a.states[3].processes.map(\.name) == ["P1", "P2"])
    #expect(b.states[3].processes.map(\.name) == ["P1", "P3"])
  }
}
