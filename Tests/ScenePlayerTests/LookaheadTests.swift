import AnonVMASim
import Foundation
import SceneScript
import TestSupport
import Testing

@testable import ScenePlayer

@Suite("races: the expansions threads work out ahead")
struct LookaheadTests {
  /// The states of a scene, breadth first over whole worlds (every interleaving), at most `limit`.
  func states(_ e: RaceExplorer, limit: Int) -> [World] {
    var queue = [e.initial]
    var seen: Set<World> = [e.initial]
    var i = 0
    while i < queue.count && queue.count < limit {
      let world = queue[i]
      i += 1
      for cpu in world.cpus.indices {
        if case .success(let (next, _)) = RaceExplorer.tryStep(world, cpu: cpu), seen.insert(next).inserted {
          queue.append(next)
        }
      }
    }
    return queue
  }

  @Test(
    "the expansion worked out ahead is each CPU's micro-step tried alone (same successor, outcome, refusal and fingerprint hash); a CPU is left out only when it cannot move or the ample candidate's step stands alone (every state of every race and concurrency scene, every model)"
  )
  func expansionIsThePlainSteps() throws {
    for (name, e) in try raceExplorers() {
      for world in states(e, limit: 200) {
        let plain = world.cpus.indices.map { RaceExplorer.tryStep(world, cpu: $0) }
        for reduction in [RaceExplorer.Reduction.ampleSets, .none] {
          let x = RaceExplorer.expansion(world, reduction: reduction, symmetry: true)
          #expect(x.ample == RaceExplorer.ampleCandidate(world, reduction: reduction), "\(name)")
          #expect(x.steps.count == world.cpus.count, "\(name)")
          for cpu in world.cpus.indices {
            let state = world.cpus[cpu].state
            let canMove = state == .running || state == .blocked
            guard let ahead = cpu < x.steps.count ? x.steps[cpu] : nil else {
              // Left out: the CPU cannot move, or the ample candidate moved and stands alone.
              guard canMove else { continue }
              let p = try #require(x.ample, "\(name): cpu\(cpu) left out without an ample candidate")
              #expect(p != cpu && reduction != .none, "\(name)")
              guard case .success(let (next, outcome)) = plain[p] else {
                Issue.record("\(name): the candidate cpu\(p) was refused, yet stood alone")
                continue
              }
              if case .blocked = outcome { Issue.record("\(name): the candidate cpu\(p) blocked, yet stood alone") }
              #expect(RaceExplorer.ampleAfter(world, next, cpu: p, reduction: reduction), "\(name)")
              continue
            }
            #expect(canMove, "\(name): cpu\(cpu) cannot move but was tried")
            switch (ahead.tried, plain[cpu]) {
            case (.success(let a), .success(let b)):
              #expect(a.world == b.world && a.outcome == b.outcome, "\(name) cpu\(cpu)")
              #expect(a.world.violations.map(\.code) == b.world.violations.map(\.code), "\(name) cpu\(cpu)")
              if case .blocked = b.outcome {
                #expect(ahead.kernelHash == nil, "\(name) cpu\(cpu)")
              } else {
                let hash = CPUNumbering.kernelHash(b.world, symmetry: true).finalize()
                #expect(ahead.kernelHash?.finalize() == hash, "\(name) cpu\(cpu)")
              }
            case (.failure(let a), .failure(let b)):
              #expect(a.message == b.message, "\(name) cpu\(cpu)")
            default:
              Issue.record("\(name) cpu\(cpu): the step ahead and the plain step disagree")
            }
          }
        }
      }
    }
  }

  /// Four CPUs copying on write, every page order kept: levels of hundreds of states, wider
  /// than the helpers' window.
  func cow() throws -> RaceExplorer {
    let source = try String(
      contentsOf: repoRoot.appendingPathComponent("scenes/scale/cow-4-cpus-2.6.36.scene"), encoding: .utf8)
    guard
      case .success(let e) = RaceExplorer.prepare(scene: Parser.parse(source), title: "cow", kernel: nil, variants: nil)
    else { throw CocoaError(.fileReadCorruptFile) }
    return e
  }

  @Test(
    "one thread, two or four on levels wider than the helpers' window: the same states, transitions, frontier and bounds, with and without reduction"
  )
  func sameOnThreadsWideLevels() throws {
    let e = try cow()
    for reduction in [RaceExplorer.Reduction.ampleSets, .none] {
      for (states, depth) in [(2_500, 10_000), (100_000, 6), (1_000, 10_000)] {
        let one = e.explore(maxStates: states, maxDepth: depth, reduction: reduction, symmetry: false)
        if states == 2_500 { #expect(one.peakFrontier > Lookahead.window, "levels wider than the window") }
        for threads in [2, 4] {
          let many = e.explore(
            maxStates: states, maxDepth: depth, reduction: reduction, symmetry: false, threads: threads)
          #expect(one.states == many.states && one.transitions == many.transitions, "\(threads) threads")
          #expect(one.schedules == many.schedules && one.reducedExpansions == many.reducedExpansions)
          #expect(one.peakFrontier == many.peakFrontier && one.completeDepth == many.completeDepth)
          #expect(one.stoppedBy == many.stoppedBy && one.exhaustive == many.exhaustive)
          #expect(one.findings.map(\.schedule) == many.findings.map(\.schedule))
        }
      }
    }
  }
}
