import AnonVMASim
import ScenePlayer
import SceneScript
import Testing
import Workloads

/// The bench's generated workloads (at the sizes of `bench --quick`).
@Suite("Bench workloads")
struct WorkloadTests {
  func build(_ source: String) -> Timeline {
    let scene = Parser.parse(source)
    #expect(scene.diagnostics.isEmpty, "\(scene.diagnostics.prefix(3))")
    let t = Timeline(scene: scene, defaultTitle: "w")
    #expect(t.runtimeDiagnostics.isEmpty, "\(t.runtimeDiagnostics.prefix(3))")
    return t
  }

  @Test(
    "generators are deterministic: the same text, the same final state, no violation",
    arguments: [KernelVersion.v2_6_36, .v6])
  func deterministic(kernel: KernelVersion) {
    let sources = [
      Workloads.w1(kernel: kernel, processes: 80, writes: 200, exits: 40),
      Workloads.w2(kernel: kernel, generations: 50),
      Workloads.w3(kernel: kernel, processes: 20, merges: 100),
    ]
    #expect(sources[0] == Workloads.w1(kernel: kernel, processes: 80, writes: 200, exits: 40))
    for source in sources {
      let a = build(source)
      let b = build(source)
      let last = a.states[a.stepCount]
      #expect(last == b.states[b.stepCount])
      #expect(last.hashValue == b.states[b.stepCount].hashValue)
      #expect(a.stateJSON(step: a.stepCount) == b.stateJSON(step: b.stepCount))
      #expect(last.violations.isEmpty, "\(last.violations.prefix(3))")
    }
  }

  /// D.8: a daemon that re-forks and exits for N generations. In 2.6.36 nothing frees the
  /// anon_vmas of exited generations while the survivor's chain links them: N+1 anon_vmas and
  /// a chain of length N+1. In 6.1 anon_vma_fork reuses a childless anon_vma no VMA uses: three.
  @Test(
    "W2 after N generations: N+1 anon_vmas and a chain of N+1 in 2.6.36, three anon_vmas in 6.1", arguments: [50, 200])
  func daemonChain(generations n: Int) throws {
    let old = build(Workloads.w2(kernel: .v2_6_36, generations: n))
    let w = old.states[old.stepCount]
    #expect(w.aliveAnonVMAs.count == n + 1)
    let survivor = try #require(w.processes.lastIndex { $0.alive })
    let vma = try #require(w.processes[survivor].vmas.first)
    #expect(w.chainAnonVMAs(vma).count == n + 1)
    let modern = build(Workloads.w2(kernel: .v6, generations: n))
    let m = modern.states[modern.stepCount]
    #expect(m.aliveAnonVMAs.count == 3)
    let mSurvivor = try #require(m.processes.lastIndex { $0.alive })
    let mVMA = try #require(m.processes[mSurvivor].vmas.first)
    #expect(m.chainAnonVMAs(mVMA).count <= 3)
  }

  /// W1: every fork gives each of the child's 4 VMAs its own anon_vma; an exited process's
  /// anon_vma lives on while a live descendant's VMA is on its list.
  @Test("W1 totals: 4 VMAs per live process, 4 anon_vmas per process that is alive or has a live descendant")
  func forkingServer() {
    let t = build(Workloads.w1(kernel: .v2_6_36, processes: 200, writes: 500, exits: 100))
    let w = t.states[t.stepCount]
    let alive = w.processes.filter(\.alive).count
    #expect(alive == 100)
    #expect(w.vmas.count == 4 * alive)
    var live = w.processes.map(\.alive)
    for p in w.processes.indices.reversed() where live[p] {
      if let parent = w.processes[p].parent { live[parent.raw] = true }
    }
    #expect(w.aliveAnonVMAs.count == 4 * live.filter { $0 }.count)
  }

  @Test("W3: after every process exits and ksmd scans, no anon_vma and no stable node remain")
  func ksm() {
    let t = build(Workloads.w3(kernel: .v2_6_36, processes: 20, merges: 100))
    let w = t.states[t.stepCount]
    #expect(w.processes.allSatisfy { !$0.alive })
    #expect(w.aliveAnonVMAs.isEmpty)
    #expect(w.stableNodes.allSatisfy { !$0.alive })
  }
}
