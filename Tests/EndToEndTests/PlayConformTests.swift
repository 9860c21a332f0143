import Foundation
import TestSupport
import Testing

@Suite("play --conform: the kernel's verdicts in the viewer (tmux, as root)", .cleansUp, .serialized)
struct PlayConformTests {
  /// `play --conform` on E2 in a tmux pane, its processes tagged (see `tagged`).
  func start(_ extra: String = "", tag: String) async throws -> TmuxSession {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 120, height: 40)
    try await t.type(
      "ANONVIS_CONFORM_TAG=\(tag) \(binary.path) play --conform \(repoRoot.path)/scenes/e2-fork-cow.scene "
        + "--view matrix \(extra); echo EXIT=$?\n")
    // The kernel runs the whole scene first: a deadline on progress (the progress line moves).
    try await t.waitWhileProgressing("the viewer after the kernel's run") { $0.contains("step 0/11") }
    return t
  }

  @Test(
    "E2: ✓ on every step, the kernel's facts in the inspector, no process left while viewing or after q",
    .enabled(if: conformCanRun && tmuxAvailable))
  func e2() async throws {
    let tag = UUID().uuidString
    let t = try await start(tag: tag)
    try await t.waitFor(text: "11 of 11 steps agree with the 6.1 model")
    // Only anonvis itself: the executor and every scene process were reaped before the view.
    #expect(tagged(tag).count == 1, "\(tagged(tag))")
    try await t.keys("Right")
    try await t.waitFor(text: "step 1/11 Linux ✓")
    try await t.keys("Right", "Right", "Right")
    try await t.waitFor(text: "step 4/11 Linux ✓")
    try await t.waitFor(text: "agrees: 2 process(es), 2 VMA(s), 8 page(s), 8 shared")
    try await t.keys("Tab", "Enter")
    try await t.waitFor(text: "after step 4, model and Linux")
    let screen = try await t.waitFor("the kernel's VMA") { $0.contains("kernel VMA    0..3 rw  ✓") }
    #expect(screen.contains("page P1 A 0   anonymous page, mapcount 2, shared, also P2 A 0 (model pg1, kernel pfn 0x"))
    try await t.keys("Escape", "Right")
    try await t.waitFor(text: "step 5/11 Linux ✓")
    // Back: the record, not a new run.
    try await t.keys("Left")
    try await t.waitFor(text: "step 4/11 Linux ✓")
    #expect(tagged(tag).count == 1, "\(tagged(tag))")
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
    #expect(tagged(tag).isEmpty, "survivors: \(tagged(tag))")
  }

  @Test(
    "a wrong prediction (a flipped exclusive bit, the conform tests' hook) is ✗ with the fact, model against kernel",
    .enabled(if: conformCanRun && tmuxAvailable))
  func wrong() async throws {
    let tag = UUID().uuidString
    let t = try await start("--test-fault flip-exclusive:5", tag: tag)
    try await t.waitFor(text: "10 of 11 steps agree")
    try await t.type("g5")
    try await t.keys("Enter")
    try await t.waitFor(text: "step 5/11 Linux ✗1")
    try await t.waitFor(text: "disagrees with the model on 1 fact:")
    try await t.waitFor(text: "P1 A 0: exclusive: model exclusive, kernel shared")
    try await t.keys("Tab", "Enter")
    try await t.waitFor(text: "kernel: anonymous page pfn 0x")
    let screen = try await t.waitFor("the wrong page") { $0.contains("mapcount 1, shared  ✗") }
    #expect(screen.contains("page P1 A 0   model:  anonymous page pg1, mapcount 1, exclusive"))
    try await t.keys("Escape", "Left")
    try await t.waitFor(text: "step 4/11 Linux ✓")
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
    #expect(tagged(tag).isEmpty, "survivors: \(tagged(tag))")
  }

  @Test(
    "--skip-unsupported: the step left out is –, the steps after it say they were compared without it",
    .enabled(if: conformCanRun && tmuxAvailable))
  func skipped() async throws {
    let binary = try #require(anonvisBinary)
    let tag = UUID().uuidString
    let scene = try temporaryScene("spawn P1\nmmap P1 A 2\ntouch P1 A 0\nswap-out P1 A 0\ntouch P1 A 1\nfork P1 P2\n")
    let t = try await TmuxSession(width: 120, height: 40)
    try await t.type(
      "ANONVIS_CONFORM_TAG=\(tag) \(binary.path) play --conform \(scene) --skip-unsupported --view matrix; "
        + "echo EXIT=$?\n")
    try await t.waitWhileProgressing("the viewer after the kernel's run") { $0.contains("step 0/6") }
    try await t.waitFor(text: "5 of 5 steps agree with the 6.1 model, 1 not run here")
    try await t.type("g4")
    try await t.keys("Enter")
    try await t.waitFor(text: "step 4/6 Linux –")
    try await t.waitFor(text: "– not run on Linux")
    try await t.keys("Right", "Right")
    try await t.waitFor(text: "step 6/6 Linux ✓")
    try await t.waitFor(text: "(compared without step 4, not run here)")
    try await t.keys("Tab", "Enter")
    try await t.waitFor(text: "after step 6, the model without step 4 and Linux")
    try await t.keys("Escape", "q")
    try await t.waitFor(text: "EXIT=0")
    #expect(tagged(tag).isEmpty, "survivors: \(tagged(tag))")
  }

  @Test(
    "E2 in the diagram: /pg1 selects the page, its inspector gives the kernel's page at each place and one frame, ✓",
    .enabled(if: conformCanRun && tmuxAvailable))
  func page() async throws {
    let tag = UUID().uuidString
    let t = try await start(tag: tag)
    try await t.type("g4")
    try await t.keys("Enter")
    try await t.waitFor(text: "step 4/11 Linux ✓")
    // matrix, tree, diagram.
    try await t.keys("v", "v")
    try await t.waitFor(text: "AV1 root")
    try await t.type("/pg1")
    try await t.keys("Enter")
    try await t.waitFor(text: "selected pg1")
    try await t.keys("Enter")
    try await t.waitFor(text: "after step 4, model and Linux")
    let screen = try await t.waitFor("the kernel's frame") { $0.contains("kernel frame  one physical page (pfn 0x") }
    #expect(screen.contains("page->mapping AV1"))
    #expect(screen.contains("page P1 A 0   anonymous page, mapcount 2, shared, also P2 A 0 (model pg1, kernel pfn 0x"))
    #expect(screen.contains("page P2 A 0   anonymous page, mapcount 2, shared, also P1 A 0 (model pg1, kernel pfn 0x"))
    try await t.keys("Escape", "q")
    try await t.waitFor(text: "EXIT=0")
    #expect(tagged(tag).isEmpty, "survivors: \(tagged(tag))")
  }

  @Test(
    "E6: the KSM merge agrees, the inspector shows the KSM page on both sides, the KSM knobs are restored",
    .enabled(if: conformCanRun && tmuxAvailable && FileManager.default.fileExists(atPath: "/sys/kernel/mm/ksm/run")))
  func ksm() async throws {
    let binary = try #require(anonvisBinary)
    let before = ksmKnobs()
    let t = try await TmuxSession(width: 120, height: 40)
    try await t.type(
      "\(binary.path) play --conform \(repoRoot.path)/scenes/e6-ksm-root-lifetime.scene --view matrix; echo EXIT=$?\n")
    try await t.waitWhileProgressing("the viewer after the kernel's run") { $0.contains("step 0/12") }
    try await t.waitFor(text: "12 of 12 steps agree with the 6.1 model")
    try await t.type("g9")
    try await t.keys("Enter")
    try await t.waitFor(text: "step 9/12 Linux ✓")
    try await t.keys("Tab", "Down", "Enter")
    try await t.waitFor(text: "page P2 A 0   KSM page, mapcount 2, shared, also P9 B 0 (model pg")
    try await t.keys("Escape", "q")
    try await t.waitFor(text: "EXIT=0")
    #expect(ksmKnobs() == before)
  }

  @Test(
    "SIGTERM while viewing: exit 143, the terminal restored, no process left",
    .enabled(if: conformCanRun && tmuxAvailable))
  func sigterm() async throws {
    let tag = UUID().uuidString
    let t = try await start(tag: tag)
    try await t.keys("Right")
    try await t.waitFor(text: "step 1/11 Linux ✓")
    try await t.signalAnonvis("TERM")
    try await t.waitFor(text: "EXIT=143")
    #expect(tagged(tag).isEmpty, "survivors: \(tagged(tag))")
    #expect(saneTerminal(try await t.stty()))
  }

  @Test(
    "ctrl-C while the kernel runs the scene, and a crashed scene process: no process left, the view never starts",
    .enabled(if: conformCanRun && tmuxAvailable))
  func stopsBeforeTheView() async throws {
    let binary = try #require(anonvisBinary)
    let tag = UUID().uuidString
    let t = try await TmuxSession(width: 120, height: 40)
    let scene = "\(repoRoot.path)/scenes/e2-fork-cow.scene"
    try await t.type(
      "ANONVIS_CONFORM_TAG=\(tag) \(binary.path) play --conform \(scene) --test-fault hang:5 --step-timeout 120; "
        + "echo EXIT=$?\n")
    // The executor, P1 and P2 exist once step 4 (fork) ran: then ctrl-C.
    await pollWhileProgressing(
      "the executor's processes", idle: 120, observe: { tagged(tag).count }, until: { $0 >= 4 })
    #expect(tagged(tag).count >= 4)
    try await t.keys("C-c")
    try await t.waitFor(text: "EXIT=130")
    #expect(tagged(tag).isEmpty, "survivors: \(tagged(tag))")
    #expect(try await !t.screen().contains("step 0/11"))
    try await t.type(
      "clear; ANONVIS_CONFORM_TAG=\(tag) \(binary.path) play --conform \(scene) --test-fault crash:5; echo EXIT=$?\n")
    let screen = try await t.waitWhileProgressing("the crash's message") { $0.contains("EXIT=2") }
    #expect(screen.contains("play --conform: step 5 touch P2 A 0: the process of P"), "\(screen)")
    #expect(tagged(tag).isEmpty, "survivors: \(tagged(tag))")
  }

  @Test(
    "cannot run: steps with no counterpart here are named (exit 2) before the view; not root is exit 2",
    .enabled(if: conformCanRun))
  func cannotRun() async throws {
    let scene = try temporaryScene("spawn P1\nmmap P1 A 1\ntouch P1 A 0\nswap-out P1 A 0\ntouch P1 A 0\n")
    let r = try await run(["play", "--conform", scene])
    #expect(r.status == 2)
    #expect(r.stderr.contains("t.scene:4: step 4 swap-out P1 A 0: "), "\(r.stderr)")
    #expect(r.stderr.contains("--skip-unsupported compares the others"))
    // Past the kernel's checks, without a terminal: a clear refusal, before the kernel runs.
    let skipped = try await run(["play", "--conform", scene, "--skip-unsupported"])
    #expect(skipped.status == 2)
    #expect(skipped.stderr.contains("the interactive view needs a terminal"), "\(skipped.stderr)")
    let misuse = try await run(["play", scene, "--skip-unsupported"])
    #expect(misuse.status != 0 && misuse.stderr.contains("go with --conform"))
  }

  @Test(
    "not root: play --conform exits 2 naming the files that need it (run as nobody)",
    .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
  func notRoot() async throws {
    let r = try await runAsNobody(["play", "--conform"], scene: "e2-fork-cow")
    #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
    #expect(r.stderr.contains("play --conform needs root") && r.stderr.contains("/proc/kpageflags"), "\(r.stderr)")
  }
}
