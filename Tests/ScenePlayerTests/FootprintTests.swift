import Testing

@testable import AnonVMASim
@testable import ScenePlayer

extension World {
  /// This world with every object `objects` names (and CPU `cpu`'s own registers, program and
  /// lock records) taken from `other`: equal to `other` exactly when everything that differs
  /// between the two worlds is among the objects, i.e. when a micro-step from this world to
  /// `other` changed nothing its declared write set leaves out.
  func taking(_ objects: [Footprint.Object], from other: World, cpu: Int) -> World {
    var w = self
    w.cpus[cpu] = other.cpus[cpu]
    for o in objects {
      switch o {
      case .everything:
        return other
      case .process(let p):
        if p.raw < other.processes.count {
          if p.raw < w.processes.count {
            let ptes = w[process: p].ptes
            w[process: p] = other[process: p]
            w[process: p].ptes = ptes
          }
        }
        for id in Set(w.vmas.keys + other.vmas.keys)
        where w.vmas[id]?.process == p || other.vmas[id]?.process == p {
          w.vmas[id] = other.vmas[id]
        }
      case .processes:
        let ptes = w.processes.indices.map { w.processes[$0].ptes }
        w.processes = other.processes
        for i in ptes.indices where i < w.processes.count { w.processes[i].ptes = ptes[i] }
        w.vmas = other.vmas
        w.nextVMA = other.nextVMA
      case .pageTable(let p):
        if p.raw < w.processes.count && p.raw < other.processes.count {
          w[process: p].ptes = other[process: p].ptes
        }
        w.pageTableEntries = other.pageTableEntries
      case .pageTables:
        for i in w.processes.indices where i < other.processes.count { w.processes[i].ptes = other.processes[i].ptes }
        w.pageTableEntries = other.pageTableEntries
      case .pages:
        w.pages = other.pages
        w.swapSlots = other.swapSlots
      case .rmap:
        w.anonVMAs = other.anonVMAs
        w.avcs = other.avcs
        w.stableNodes = other.stableNodes
        w.pins = other.pins
        w.nextAVC = other.nextAVC
        w.anonVMASlot = other.anonVMASlot
        w.slotOccupant = other.slotOccupant
        w.freeSlots = other.freeSlots
      case .avcs:
        w.avcs = other.avcs
        w.nextAVC = other.nextAVC
      case .avc(let id):
        w.avcs[id] = other.avcs[id]
      case .detached:
        w.detachedVMAs = other.detachedVMAs
      case .anonVMA(let a):
        if w.isAllocated(a) && other.isAllocated(a) {
          let o = other[anonVMA: a]
          w.updateAnonVMA(a) {
            $0.root = o.root
            $0.parent = o.parent
            $0.alive = o.alive
            $0.createdAt = o.createdAt
            $0.createdBy = o.createdBy
          }
        }
      case .anonVMAList(let a):
        if w.isAllocated(a) && other.isAllocated(a) { w.updateAnonVMA(a) { $0.takeList(of: other[anonVMA: a]) } }
      case .anonVMAs:
        // Every anon_vma's own fields and the allocator (slots and free list); lists stay.
        let lists = w.anonVMAs.indices.map { w.anonVMAs[$0] }
        w.anonVMAs = other.anonVMAs
        for (i, l) in lists.enumerated() where i < w.anonVMAs.count { w.anonVMAs[i].takeList(of: l) }
        w.anonVMASlot = other.anonVMASlot
        w.slotOccupant = other.slotOccupant
        w.freeSlots = other.freeSlots
      case .anonVMALists:
        for i in w.anonVMAs.indices where i < other.anonVMAs.count { w.anonVMAs[i].takeList(of: other.anonVMAs[i]) }
      case .anonVMASlab:
        w.freeSlots = other.freeSlots
      case .ksm:
        w.stableNodes = other.stableNodes
      case .heldBy(let q):
        w.cpus[q].holds = other.cpus[q].holds
        w.cpus[q].holdModes = other.cpus[q].holdModes
        w.cpus[q].waitingFor = other.cpus[q].waitingFor
        w.cpus[q].waitingMode = other.cpus[q].waitingMode
      case .lock(let a):
        w.lockHolders[a] = other.lockHolders[a]
        // The rwsem's wait list: each waiter's place.
        for q in w.cpus.indices where w.cpus[q].waitList?.lock == a || other.cpus[q].waitList?.lock == a {
          w.cpus[q].waitList = other.cpus[q].waitList
        }
      case .locks:
        w.lockHolders = other.lockHolders
        for q in w.cpus.indices {
          w.cpus[q].holds = other.cpus[q].holds
          w.cpus[q].holdModes = other.cpus[q].holdModes
          w.cpus[q].waitingFor = other.cpus[q].waitingFor
          w.cpus[q].waitingMode = other.cpus[q].waitingMode
          w.cpus[q].waitList = other.cpus[q].waitList
        }
      case .allLocksBit(let a):
        if w.isAllocated(a) && other.isAllocated(a) {
          w.updateAnonVMA(a) { $0.allLocksBit = other[anonVMA: a].allLocksBit }
        }
      case .processTable, .processName:
        for i in w.processes.count..<max(w.processes.count, other.processes.count) {
          w.processes.append(other.processes[i])
        }
      case .vmaAllocator:
        w.nextVMA = other.nextVMA
      case .avcAllocator:
        w.nextAVC = other.nextAVC
        for id in other.avcs.keys where w.avcs[id] == nil { w.avcs[id] = other.avcs[id] }
      case .freshAVCs:
        // AVCs allocated during the step or not yet on a VMA's chain.
        for id in other.avcs.keys where w.avcs[id] == nil || w.avcs[id]?.onSameVMA == false {
          w.avcs[id] = other.avcs[id]
        }
      case .waits:
        for q in w.cpus.indices {
          w.cpus[q].state = other.cpus[q].state
          w.cpus[q].waitingFor = other.cpus[q].waitingFor
          w.cpus[q].waitingMode = other.cpus[q].waitingMode
        }
      }
    }
    return w
  }
}

extension AnonVMA {
  /// This anon_vma with the fields of ``Footprint/Object/anonVMAList(_:)`` taken from `other` (the
  /// mm_all_locks bit is ``Footprint/Object/allLocksBit(_:)``).
  mutating func takeList(of other: AnonVMA) {
    head = other.head
    emptied = other.emptied
    refcount = other.refcount
    numChildren = other.numChildren
    numActiveVMAs = other.numActiveVMAs
  }
}

/// Up to `limit` states reachable from `initial` by micro-steps, breadth first.
func reachable(from initial: World, limit: Int) -> [World] {
  var seen: Set<World> = [initial]
  var queue = [initial]
  var i = 0
  while i < queue.count && queue.count < limit {
    let w = queue[i]
    i += 1
    for c in w.cpus.indices where w.cpus[c].state == .running {
      var next = w
      guard case .progressed? = try? next.microStep(cpu: c) else { continue }
      if seen.insert(next).inserted { queue.append(next) }
    }
  }
  return queue
}

@Suite("Micro-step footprints")
struct FootprintTests {
  /// What the property below checked: steps compared, and those that changed something outside
  /// their CPU (so the comparison could fail).
  struct Tally {
    var steps = 0
    var changing = 0
    var runs = 0
    /// Per instruction family (the case name of the micro-step's instruction): steps checked.
    var family: [String: Int] = [:]
    /// Per family, the declared write classes some step needed (leaving it out was caught).
    var needed: [String: Set<String>] = [:]
  }

  /// The case name of an instruction (`freeAVC` for `.freeAVC(vma: 3, avc: 5)`).
  static func family(_ i: Instr) -> String {
    String("\(i)".prefix { $0 != "(" })
  }

  /// The class of a footprint object, without its id.
  static func kind(_ o: Footprint.Object) -> String {
    String("\(o)".prefix { $0 != "(" })
  }

  /// Checks every running CPU's declared next-step and remaining footprints in `w` against what
  /// running it changes.
  func check(_ w: World, name: String, tally: inout Tally) {
    for c in w.cpus.indices where w.cpus[c].state == .running {
      if let fp = w.nextStepFootprint(cpu: c) {
        var after = w
        if (try? after.microStep(cpu: c)) != nil {
          tally.steps += 1
          if w.taking([], from: after, cpu: c) != after { tally.changing += 1 }
          let name = w.cpus[c].program.last(where: { $0 != .clearBail }).map(Self.family) ?? "?"
          tally.family[name, default: 0] += 1
          for (i, o) in fp.writes.enumerated() {
            var fewer = fp.writes
            fewer.remove(at: i)
            if w.taking(fewer, from: after, cpu: c) != after { tally.needed[name, default: []].insert(Self.kind(o)) }
          }
          #expect(
            w.taking(fp.writes, from: after, cpu: c) == after,
            "\(name): cpu\(c)'s step \(w.cpus[c].program.last.map { "\($0)" } ?? "?") changed more than \(fp.writes)")
        }
      }
      let rest = w.remainingFootprint(cpu: c)
      guard rest != .everything else { continue }
      // CPU c alone to the end of its program (or until it stops progressing).
      var end = w
      while end.cpus[c].state == .running, case .progressed? = try? end.microStep(cpu: c) {}
      tally.runs += 1
      #expect(
        w.taking(rest.writes, from: end, cpu: c) == end,
        "\(name): cpu\(c)'s remaining program changed more than \(rest.writes)")
    }
  }

  @Test(
    "declared writes cover what each micro-step changes, and a CPU's remaining footprint covers what its run alone changes (reachable states of every race and concurrency scene, every model and variant)"
  )
  func declaredWritesCoverChanges() throws {
    var tally = Tally()
    for (name, e) in try raceExplorers(variants: true) {
      for w in reachable(from: e.initial, limit: 5_000) { check(w, name: name, tally: &tally) }
    }
    // The comparison is not vacuous: steps with footprints were run and changed shared state.
    #expect(tally.steps > 100 && tally.changing > 10 && tally.runs > 10, "\(tally)")
    // Each family of the table the race scenes reach was checked, and each of its declared write
    // classes was needed by some step (declaring less would have been caught).
    // (An unlock's `waits` is not a field it changes but the order it imposes on a later attempt
    // whose deadlock detector would meet the next holder, see ``Footprint/Object/waits``.)
    let writing: [String: Set<String>] = [
      "lock": ["lock"], "unlock": ["lock"], "freeAVC": ["process", "avc"], "stackSetPgoff": ["process"],
      "adjustNextPgoff": ["process"], "setBrk": ["process"], "removeVMA": ["process", "detached"],
    ]
    for (name, kinds) in writing {
      #expect(tally.family[name, default: 0] > 0, "\(name) never ran: \(tally.family)")
      #expect(tally.needed[name, default: []].isSuperset(of: kinds), "\(name): \(tally.needed[name] ?? [])")
    }
    for name in ["finishWalk", "computeEmpty"] {
      #expect(tally.family[name, default: 0] > 0, "\(name) never ran: \(tally.family)")
      #expect(tally.needed[name] == nil, "\(name) declares writes")
    }
  }

  @Test("the comparison can fail: a footprint that leaves out what a step writes is caught")
  func undeclaredWriteIsCaught() throws {
    var caught = 0
    for (_, e) in try raceExplorers() {
      for w in reachable(from: e.initial, limit: 200) {
        for c in w.cpus.indices where w.cpus[c].state == .running {
          guard case .lock? = w.cpus[c].program.last else { continue }
          var after = w
          guard case .progressed? = try? after.microStep(cpu: c) else { continue }
          // A lock that progressed changed the lock table: declaring no write is wrong.
          if w.taking([], from: after, cpu: c) != after { caught += 1 }
        }
      }
    }
    #expect(caught > 0)
  }
}
