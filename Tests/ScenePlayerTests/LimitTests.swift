import AnonVMASim
import SafeText
import ScenePlayer
import SceneScript
import Synchronization
import Testing

/// A timeline of `text` under `budget`.
private func timeline(_ text: String, _ budget: Budget, probe: (@Sendable () -> Int)? = nil) -> Timeline {
  Timeline(
    scene: Parser.parse(text), defaultTitle: "t",
    limits: Limits(budget: budget, memoryBytes: 1000, memoryProbe: probe))
}

@Suite("Budgets: every limit stops the scene with its name and option, never an abort")
struct LimitTests {
  @Test(
    "each limit of the model's budget is a scene error at the statement that crosses it",
    arguments: [
      ("pages", "touch P1 A 0..9", "pages (raise it with --max-pages)"),
      ("ptes", "fork P1 P2", "page-table entries (raise it with --max-ptes)"),
      ("processes", "fork P1 P2", "processes (raise it with --max-processes)"),
      ("vmas", "mprotect P1 A 3..3 ro", "VMAs (raise it with --max-vmas)"),
      ("anonVMAs", "fork P1 P2\ntouch P2 A 0", "anon_vmas (raise it with --max-anon-vmas)"),
      ("chains", "fork P1 P2", "anon_vma_chains (raise it with --max-chains)"),
      (
        "work", "touch P1 A 0..9",
        "units of work (micro-steps, page-table entries written, addresses walked) (raise it with --max-work)"
      ),
    ])
  func modelBudget(limit: String, crossing: String, message: String) throws {
    let setup = "spawn P1\nmmap P1 A 16\ntouch P1 A 0\n"
    // Measure what the setup uses, then allow exactly that: the next line crosses the limit.
    let world = try #require(timeline(setup, Budget()).states.last)
    var budget = Budget()
    let used: Int
    switch limit {
    case "pages":
      used = world.pages.count
      budget.pages = used
    case "ptes":
      used = world.pageTableEntries
      budget.pageTableEntries = used
    case "processes":
      used = world.processes.count
      budget.processes = used
    case "vmas":
      used = world.vmas.count
      budget.vmas = used
    case "anonVMAs":
      used = world.anonVMAs.count
      budget.anonVMAs = used
    case "chains":
      used = world.avcs.count
      budget.chains = used
    default:
      used = world.work.value
      budget.work = used
    }
    let t = timeline(setup + crossing + "\n", budget)
    #expect(t.stepCount == 3, "the setup fits: \(t.runtimeDiagnostics.map(\.message))")
    let d = try #require(t.runtimeDiagnostics.first)
    #expect(d.message.contains("the scene exceeds the budget of \(grouped(used)) \(message)"), "\(d.message)")
    #expect(d.location.line == 4)
  }

  @Test("the memory budget is read after every step; the step that crosses it is refused")
  func memory() throws {
    let steps = Mutex(0)
    let t = timeline(
      "spawn P1\nmmap P1 A 4\ntouch P1 A 0\ntouch P1 A 1\n", Budget(),
      probe: {
        steps.withLock {
          $0 += 1
          return $0 >= 3 ? 2000 : 10
        }
      })
    #expect(t.stepCount == 2)
    let d = try #require(t.runtimeDiagnostics.first)
    #expect(
      d.message.contains("the scene exceeds the memory budget of 0 MB; raise it with --max-memory (at step 3)"),
      "\(d.message)")
    #expect(d.location.line == 3)
  }

  @Test("the race explorer stops at its work and memory budgets and says which; not exhaustive")
  func explorerBudgets() throws {
    let source = """
      cpus 2
      spawn P1
      mmap P1 A 4
      spawn P2
      mmap P2 A 4
      on cpu0 begin touch P1 A 0..3
      on cpu1 begin touch P2 A 0..3
      """
    func explorer(_ limits: Limits) throws -> RaceExplorer {
      switch RaceExplorer.prepare(scene: Parser.parse(source), title: "t", kernel: nil, variants: nil, limits: limits) {
      case .success(let e): return e
      case .failure(let d): throw d
      }
    }
    // Every page order kept (no symmetry): enough states for the memory check to come round.
    let full = try explorer(Limits()).explore(symmetry: false)
    #expect(full.exhaustive && full.stoppedBy == nil)
    let worked = try explorer(Limits()).explore(maxWork: 500, symmetry: false)
    #expect(!worked.exhaustive && worked.states < full.states)
    #expect(worked.stoppedBy?.contains("raise it with --max-work") == true)
    let checks = Mutex(0)
    let probe: @Sendable () -> Int = {
      checks.withLock {
        $0 += 1
        return $0 > 8 ? 2000 : 10
      }
    }
    let capped = try explorer(Limits(memoryBytes: 1000, memoryProbe: probe)).explore(symmetry: false)
    #expect(!capped.exhaustive && capped.states < full.states)
    #expect(capped.stoppedBy == "the memory budget of 0 MB; raise it with --max-memory")
  }
}
