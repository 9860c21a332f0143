import Testing

@testable import AnonVMASim
@testable import ScenePlayer

/// ``CPU/equal(_:_:)``, the race explorer's `==` on CPUs in place (``CPUNumbering``).
@Suite("The fingerprints' CPU comparison")
struct CPUEqualFingerprintTests {
  @Test(
    "CPU.equal agrees with == on every pair of CPUs of a world and its successor, and on equal CPUs met on different paths (every world the race scenes reach)"
  )
  func agreesWithEquals() throws {
    var (equal, unequal, sharedElsewhere) = (0, 0, 0)
    for (name, e) in try raceExplorers() {
      // The first CPU met of each value: one met again on another path has equal programs that
      // need not share their frames.
      var first: [CPU: CPU] = [:]
      var queue = [e.initial]
      var seen: Set<World> = [e.initial]
      while let w = queue.popLast(), seen.count < 300 {
        for cpu in w.cpus {
          guard let met = first[cpu] else {
            first[cpu] = cpu
            continue
          }
          #expect(CPU.equal(met, cpu) && CPU.equal(cpu, met), "\(name): == CPUs, CPU.equal false")
          if !met.pending.isShared(with: cpu.pending) { sharedElsewhere += 1 }
        }
        for c in w.cpus.indices where w.cpus[c].state == .running || w.cpus[c].state == .blocked {
          var next = w
          guard (try? next.microStep(cpu: c)) != nil else { continue }
          for a in next.cpus {
            for b in w.cpus {
              let same = a == b
              #expect(CPU.equal(a, b) == same, "\(name): CPU.equal disagrees with ==")
              if same { equal += 1 } else { unequal += 1 }
            }
          }
          if seen.insert(next).inserted { queue.append(next) }
        }
      }
    }
    // Both answers, and equal programs compared instruction by instruction, were met.
    #expect(equal > 1000 && unequal > 1000 && sharedElsewhere > 100, "\(equal) \(unequal) \(sharedElsewhere)")
  }

  @Test("CPU.equal tells apart CPUs that differ in any one field == compares, and ignores the last micro-step's text")
  func everyField() throws {
    let (e, _) = try explorer("d5-take-all-locks.scene")
    var cpu = e.initial.cpus[0]
    cpu.state = .running
    cpu.op = "x"
    cpu.pending = Program([.allocAVC, .allocAnonVMA(by: "b")])
    cpu.holds = [1]
    cpu.holdModes = [.exclusive]
    var changes: [(String, (inout CPU) -> Void)] = [
      ("id", { $0.id += 1 }),
      ("state", { $0.state = .blocked }),
      ("op", { $0.op = "y" }),
      ("op to nil", { $0.op = nil }),
      ("pending", { $0.pending = Program([.allocAVC, .allocAnonVMA(by: "c")]) }),
      ("pending's count", { $0.pending = Program([.allocAVC]) }),
      ("holds", { $0.holds = [2] }),
      ("holdModes", { $0.holdModes = [.read] }),
      ("waitingFor", { $0.waitingFor = 3 }),
      ("waitingMode", { $0.waitingMode = .write }),
      ("waitList", { $0.waitList = RwsemWaiter(lock: 1, mode: .write, place: 1) }),
      ("regs.vma", { $0.regs.vma = 1 }),
      ("regs.walk", { $0.regs.walk = RmapWalk(page: 1, origin: "", lock: nil, locks: [], visited: [], skipped: []) }),
      ("regs.bail", { $0.regs.bail = true }),
    ]
    // Registers: each flag (the ids are compared alike).
    changes += [
      ("regs.avc", { $0.regs.avc = 1 }), ("regs.anonVMA", { $0.regs.anonVMA = 1 }),
      ("regs.allocatedAnonVMA", { $0.regs.allocatedAnonVMA = 1 }), ("regs.page", { $0.regs.page = 1 }),
      ("regs.newPage", { $0.regs.newPage = 1 }), ("regs.node", { $0.regs.node = 1 }),
      ("regs.root", { $0.regs.root = 1 }), ("regs.rcuPageLock", { $0.regs.rcuPageLock = true }),
      ("regs.lostRace", { $0.regs.lostRace = true }), ("regs.listEmpty", { $0.regs.listEmpty = true }),
      ("regs.freeRoot", { $0.regs.freeRoot = true }),
    ]
    for (what, change) in changes {
      var other = cpu
      change(&other)
      #expect(other != cpu, "\(what): the change is a change")
      #expect(!CPU.equal(cpu, other) && !CPU.equal(other, cpu), "\(what): CPU.equal misses it")
    }
    // Equal programs in other frames, and a different last micro-step: equal.
    var same = cpu
    same.pending = Program([.allocAnonVMA(by: "b")])
    same.pending.push(.allocAVC)
    same.microStep = "something else"
    #expect(!same.pending.isShared(with: cpu.pending))
    #expect(CPU.equal(cpu, same) && cpu == same)
  }

  @Test("CPU.equal compares every stored field of CPU and Registers: a field added must be compared there too")
  func fieldsCovered() {
    // When one of these lists changes, compare the new field in CPU.equal and change it in
    // everyField().
    #expect(
      fields(CPU(id: 0, state: .idle, op: nil, pending: Program(), regs: Registers(), holds: [], holdModes: []))
        == [
          "id", "state", "op", "lastMicroStep", "pending", "regs", "holds", "holdModes", "waitingFor", "waitingMode",
          "waitList",
        ])
    #expect(
      fields(Registers()) == [
        "vma", "avc", "anonVMA", "allocatedAnonVMA", "page", "newPage", "node", "root", "bail", "rcuPageLock",
        "lostRace", "listEmpty", "freeRoot", "walk",
      ])
  }
}
