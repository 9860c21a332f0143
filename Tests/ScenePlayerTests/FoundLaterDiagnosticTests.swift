import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// The diagnostics found after the static checks, each with its own id, rendered as every scene
/// error is: `FILE:LINE:COLUMN: error: MESSAGE`, the line and a caret under the column.
@Suite("Diagnostics found while running a scene, checking it, or preparing a race search have their own ids")
struct FoundLaterDiagnosticTests {
  /// The one runtime diagnostic of `source` under `limits`, rendered.
  func runtimeDiagnostic(_ source: String, limits: Limits = Limits()) throws -> (Diagnostic, String) {
    let t = Timeline(scene: Parser.parse(source), defaultTitle: "t", limits: limits)
    let d = try #require(t.runtimeDiagnostics.first)
    #expect(t.runtimeDiagnostics.count == 1)
    return (d, DiagnosticRenderer(fileName: "t.scene", source: source).render(d))
  }

  @Test("S0401: the model refuses an operation (a write to a read-only VMA)")
  func operationRefused() throws {
    let (d, text) = try runtimeDiagnostic("spawn P1\nmmap P1 A 2\nmprotect P1 A 0..1 ro\ntouch P1 A 0\n")
    #expect(d.id == .operationRefused)
    #expect(text.hasPrefix("t.scene:4:1: error: write fault on read-only page"), "\(text)")
    #expect(text.hasSuffix(" (at step 4)\ntouch P1 A 0\n^~~~~"), "\(text)")
  }

  @Test("S0402: a model budget or the memory budget is exceeded")
  func budgetExceeded() throws {
    var budget = Budget()
    budget.processes = 1
    let (model, modelText) = try runtimeDiagnostic("spawn P1\nfork P1 P2\n", limits: Limits(budget: budget))
    #expect(model.id == .budgetExceeded)
    #expect(modelText.hasPrefix("t.scene:2:1: error: the scene exceeds the budget of 1 processes"), "\(modelText)")
    #expect(modelText.hasSuffix(" (at step 2)\nfork P1 P2\n^~~~"), "\(modelText)")
    let (memory, memoryText) = try runtimeDiagnostic(
      "spawn P1\n", limits: Limits(budget: Budget(), memoryBytes: 1 << 20, memoryProbe: { 2 << 20 }))
    #expect(memory.id == .budgetExceeded)
    #expect(
      memoryText == "t.scene:1:1: error: the scene exceeds the memory budget of 1 MB; raise it with --max-memory "
        + "(at step 1)\nspawn P1\n^~~~~")
  }

  @Test("S0403: the run is interrupted (the progress sink says stop)")
  func interrupted() throws {
    var limits = Limits()
    limits.progress = { done, _ in done < 1 }
    let (d, text) = try runtimeDiagnostic("spawn P1\nspawn P2\n", limits: limits)
    #expect(d.id == .interrupted)
    #expect(text == "t.scene:2:1: error: interrupted after step 1 of 2\nspawn P2\n^~~~~")
  }

  @Test("S0501: an expect line names an anon_vma not allocated at its step")
  func anonVMANotAllocated() throws {
    let source = "spawn P1\nmmap P1 A 1\nexpect alive AV1\n"
    let t = Timeline(scene: Parser.parse(source), defaultTitle: "t")
    let bound = try #require(t.expectations.first)
    guard case .error(let id, let message) = t.evaluate(bound) else {
      Issue.record("not an error: \(t.evaluate(bound))")
      return
    }
    #expect(id == .anonVMANotAllocated)
    let text = DiagnosticRenderer(fileName: "t.scene", source: source).render(
      Diagnostic(id, .error, message, at: bound.statement.location))
    #expect(text == "t.scene:3:1: error: AV1 names nothing at this step (none allocated yet)\nexpect alive AV1\n^~~~~~")
  }

  @Test("S0601: a race search with no operation on a CPU; its help is data")
  func nothingOnCPUs() throws {
    let source = "spawn P1\nmmap P1 A 1\n"
    guard
      case .failure(let d) = RaceExplorer.prepare(scene: Parser.parse(source), title: "t", kernel: nil, variants: nil)
    else {
      Issue.record("prepared")
      return
    }
    #expect(d.id == .nothingOnCPUs)
    #expect(d.help == .hint("add 'on cpuN begin OPERATION' lines after the setup"))
    #expect(
      DiagnosticRenderer(fileName: "t.scene", source: source).render(d)
        == "t.scene:1:1: error: the scene puts no operation on a CPU (add 'on cpuN begin OPERATION' lines after the "
        + "setup)\nspawn P1\n^")
  }
}
