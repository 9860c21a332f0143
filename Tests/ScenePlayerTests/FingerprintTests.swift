import Foundation
import SceneScript
import TestSupport
import Testing

@testable import AnonVMASim
@testable import ScenePlayer

/// Every race and concurrency scene on every kernel model it allows, prepared for a search; with
/// `variants`, a scene that names no variant also on each variant of each kernel (the historic
/// bugs, where the violations are).
func raceExplorers(variants withVariants: Bool = false) throws -> [(name: String, explorer: RaceExplorer)] {
  var result: [(String, RaceExplorer)] = []
  for file in raceSceneFiles() {
    let source = try String(contentsOf: repoRoot.appendingPathComponent("scenes/\(file)"), encoding: .utf8)
    let scene = Parser.parse(source)
    let variants = scene.statements.compactMap { s -> Variant? in
      if case .variant(let v) = s.statement { return v }
      return nil
    }
    for kernel in KernelVersion.allCases where !variants.contains(where: { $0.kernel != kernel }) {
      var models = [variants]
      if withVariants && variants.isEmpty { models += Variant.allCases.filter { $0.kernel == kernel }.map { [$0] } }
      for model in models {
        if case .success(let e) = RaceExplorer.prepare(scene: scene, title: file, kernel: kernel, variants: model) {
          result.append(("\(file) on \(kernel.rawValue) \(model.map(\.rawValue))", e))
        }
      }
    }
  }
  return result
}

/// A world's fingerprint with its CPUs hashed by index, as a fixed test of the hash alone.
func plainFingerprint(_ world: World) -> UInt64 {
  var h = StateHasher()
  world.hashKernelState(into: &h)
  for cpu in world.cpus {
    h.combine(cpu.program.count)
    h.combine(cpu.holds)
  }
  return h.finalize()
}

/// Two searches of `e` report the same: states, micro-steps, end states, bound, refusals,
/// findings with their messages, shortest schedules, events and counterexamples.
func expectSameReport(_ a: RaceExplorer.Report, _ b: RaceExplorer.Report, of e: RaceExplorer, _ what: String) {
  #expect(a.states == b.states, "\(what)")
  #expect(a.transitions == b.transitions, "\(what)")
  #expect(a.schedules == b.schedules, "\(what)")
  #expect(a.exhaustive == b.exhaustive, "\(what)")
  #expect(a.stoppedBy == b.stoppedBy, "\(what)")
  #expect(a.refused == b.refused, "\(what)")
  #expect(a.firstRefusal?.schedule == b.firstRefusal?.schedule, "\(what)")
  #expect(a.firstRefusal?.events == b.firstRefusal?.events, "\(what)")
  #expect(a.firstRefusal?.message == b.firstRefusal?.message, "\(what)")
  #expect(a.findings.map(\.code) == b.findings.map(\.code), "\(what)")
  for (x, y) in zip(a.findings, b.findings) {
    #expect(x.message == y.message, "\(what) \(x.code)")
    #expect(x.schedule == y.schedule, "\(what) \(x.code)")
    #expect(x.events == y.events, "\(what) \(x.code)")
    #expect(e.counterexample(x, source: "") == e.counterexample(y, source: ""), "\(what) \(x.code)")
  }
}

/// The stored properties of a value, by name (Mirror).
func fields(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }

@Suite("The race explorer's fingerprints")
struct FingerprintTests {
  @Test(
    "the fingerprint search reports what the whole-world search reports: states, findings, shortest schedules, events, refusals (every race and concurrency scene, every model)"
  )
  func sameAsWholeWorlds() throws {
    let explorers = try raceExplorers(variants: true)
    #expect(explorers.count >= 40)
    var findings = 0
    for (name, e) in explorers {
      let fast = sharedSearch(name, e, reduction: .none, symmetry: false)
      let exact = e.explore(visited: .worlds)
      expectSameReport(fast, exact, of: e, name)
      findings += fast.findings.count
      #expect(exact.omissionProbability == nil)
      let p = try #require(fast.omissionProbability)
      #expect(p > 0 && p < 1e-6, "\(name): \(p)")
    }
    #expect(findings >= 5, "the scenes do find violations")
  }

  @Test("bounded searches stop at the same place: states, depth")
  func sameBounds() throws {
    let (e, _) = try explorer("d7-page-lock-vs-reuse.scene", variants: [.rootReread])
    for (states, depth) in [(50, 10_000), (100_000, 7), (1, 10_000)] {
      let fast = e.explore(maxStates: states, maxDepth: depth, reduction: .none, symmetry: false)
      let exact = e.explore(maxStates: states, maxDepth: depth, visited: .worlds)
      #expect(!fast.exhaustive)
      #expect(fast.states == exact.states && fast.transitions == exact.transitions)
      #expect(fast.stoppedBy == exact.stoppedBy)
      #expect(fast.findings.map(\.schedule) == exact.findings.map(\.schedule))
    }
  }

  @Test("distinct worlds have distinct fingerprints, equal worlds equal ones (every world a race scene reaches)")
  func fingerprintIsIdentity() throws {
    for (name, e) in try raceExplorers() {
      var byWorld: [World: UInt64] = [:]
      var numbering = CPUNumbering()
      // Each world with its CPUs' numbers, so the fingerprints take the search's shortcut (a
      // CPU equal to its parent's keeps its number).
      let first = numbering.fingerprint(e.initial)
      var queue = [(e.initial, first.cpuNumbers)]
      byWorld[e.initial] = first.fingerprint
      while let (w, numbers) = queue.popLast(), byWorld.count < 1000 {
        for cpu in w.cpus.indices where w.cpus[cpu].state == .running || w.cpus[cpu].state == .blocked {
          var next = w
          guard (try? next.microStep(cpu: cpu)) != nil else { continue }
          next.checkInvariants(everything: true)
          let (print, nextNumbers) = numbering.fingerprint(next, after: w, numbered: numbers)
          #expect(print == numbering.fingerprint(next).fingerprint, "\(name): the shortcut changes the fingerprint")
          if let known = byWorld[next] {
            #expect(known == print, "\(name): equal worlds, different fingerprints")
          } else {
            byWorld[next] = print
            queue.append((next, nextNumbers))
          }
        }
      }
      #expect(Set(byWorld.values).count == byWorld.count, "\(name): two different worlds share a fingerprint")
    }
  }

  @Test(
    "a successor's kernel hash from the table digests its parent memoized is the hash computed afresh (every world the race scenes reach, with and without page names)"
  )
  func memoizedDigests() throws {
    var (successors, carried, cleared) = (0, 0, 0)
    for (name, e) in try raceExplorers(variants: true) {
      var queue = [e.initial]
      var seen: Set<World> = [e.initial]
      while var w = queue.popLast(), seen.count < 300 {
        w.memoizeHashes()
        #expect(w.hashesMemoized)
        for cpu in w.cpus.indices where w.cpus[cpu].state == .running || w.cpus[cpu].state == .blocked {
          var next = w
          guard (try? next.microStep(cpu: cpu)) != nil else { continue }
          next.checkInvariants(everything: true)
          successors += 1
          if next.hashesMemoized { carried += 1 } else { cleared += 1 }
          for symmetry in [false, true] {
            let memoized = CPUNumbering.kernelHash(next, symmetry: symmetry).finalize()
            let fresh = CPUNumbering.kernelHash(next.forgettingHashes(), symmetry: symmetry).finalize()
            #expect(memoized == fresh, "\(name): a digest outlived a change (symmetry \(symmetry))")
          }
          if seen.insert(next).inserted { queue.append(next) }
        }
      }
    }
    // Both paths taken: digests carried over unchanged tables, and cleared by changes.
    #expect(carried > 100 && cleared > 100, "\(successors) successors: \(carried) carried, \(cleared) cleared")
  }

  @Test("the fingerprint is the same on every run: a fixed world hashes to a recorded value")
  func stableAcrossRuns() throws {
    let (e, _) = try explorer("d5-take-all-locks.scene")
    // Recorded again when the VMA, anon_vma and chain tables came to be hashed as their digests,
    // when pages gained PageAnonExclusive, their callers' references, and clean PTEs (a swap
    // slot's exclusive bit is hashed with the slot).
    #expect(plainFingerprint(e.initial) == 0xfd76_8f62_5d19_9245, "\(String(plainFingerprint(e.initial), radix: 16))")
  }

  @Test("every field the kernel state holds changes the fingerprint")
  func everyFieldCounts() throws {
    let (e, _) = try explorer("d3-ksm-drop-vs-munmap.scene")
    var w = e.initial
    // A pin and a lock holder to change in place (a count alone would tell an added one).
    w.pins[1] = 1
    w.lockHolders.add(World.LockHolder(cpu: 0, mode: .exclusive, op: "x"), to: 1)
    // A swap slot whose exclusive bit to change.
    w.swapSlots = [SwapSlot(id: 1, count: 1, cached: nil)]
    let base = plainFingerprint(w)
    var changes: [(String, (inout World) -> Void)] = [
      ("a PTE", { $0.processes[0].ptes[999] = .zero }),
      ("a PTE's page", { w in if let v = w.processes[0].ptes.keys.first { w.processes[0].ptes[v] = .swap(77) } }),
      ("a process name", { $0.processes[0].name += "x" }),
      ("a VMA end", { w in w.vmas.update(w.vmas.keys[0]) { $0.end += 1 } }),
      ("an anon_vma refcount", { $0.anonVMAs[0].refcount += 1 }),
      ("an anon_vma's creator", { $0.anonVMAs[0].createdBy += "x" }),
      ("an AVC", { w in w.avcs.update(w.avcs.keys[0]) { $0.onSameVMA.toggle() } }),
      ("a page's mapcount", { $0.pages[0].mapcount += 1 }),
      ("a page's mapping", { $0.pages[0].mapping = .none }),
      ("a page's PageAnonExclusive", { $0.pages[0].anonExclusive.toggle() }),
      ("a page held for migration", { $0.pages[0].pinned.toggle() }),
      ("a page held by an operation's caller", { $0.pages[0].callerRefs += 1 }),
      ("a page's clean PTEs", { $0.pages[0].cleanPTEs.toggle() }),
      ("a swap slot's exclusive bit", { $0.swapSlots[0].exclusive.toggle() }),
      ("a lock holder's operation", { $0.lockHolders[1] = [World.LockHolder(cpu: 0, mode: .exclusive, op: "y")] }),
      ("a lock holder's mode", { $0.lockHolders[1] = [World.LockHolder(cpu: 0, mode: .read, op: "x")] }),
      ("a lock holder's CPU", { $0.lockHolders[1] = [World.LockHolder(cpu: 1, mode: .exclusive, op: "x")] }),
      ("a pin's count", { $0.pins[1] = 2 }),
      ("a pin's anon_vma", { $0.pins = [2: 1] }),
      ("a slot occupant", { $0.slotOccupant.append(5) }),
      ("the variants", { $0.variants.append(.plainDec) }),
    ]
    if !w.stableNodes.isEmpty {
      changes.append(("a stable node's item", { $0.stableNodes[0].items[0].address += 1 }))
    }
    for (what, change) in changes {
      var v = w
      change(&v)
      #expect(v != w, "\(what): the change is a change")
      #expect(plainFingerprint(v) != base, "\(what) is not hashed")
    }
  }

  @Test("the fingerprint covers every stored field: a field added to the state must be hashed too")
  func fieldsCovered() throws {
    let (e, _) = try explorer("d3-ksm-drop-vs-munmap.scene")
    let w = e.initial
    // The fields World+Fingerprint.swift hashes (and the ones == ignores). When one of these
    // lists changes, hash the new field in World+Fingerprint.swift and add it here.
    #expect(
      fields(w) == [
        "kernel", "variants", "processes", "vmas", "detachedVMAs", "anonVMAs", "avcs", "pages", "swapSlots",
        "stableNodes", "cpus", "lockHolders", "pins", "bookkeeping", "narrating", "budget", "work",
        "pageTableEntries", "nextVMA", "nextAVC", "anonVMASlot", "slotOccupant", "freeSlots",
      ])
    #expect(
      fields(w.processes[0]) == ["name", "parent", "alive", "vmas", "ptes", "mappings", "nextAddress", "createdAt"])
    #expect(fields(Mapping(name: "A", base: 0, pages: 1, growsDown: false)) == ["name", "base", "pages", "growsDown"])
    let vma = try #require(w.vmas.values.first)
    #expect(
      fields(vma) == [
        "id", "process", "mapping", "base", "start", "end", "pgoff", "prot", "growsDown", "anonVMA", "chainTailFirst",
        "detached", "createdAt",
      ])
    #expect(
      fields(w.anonVMAs[0]) == [
        "id", "root", "parent", "refcount", "head", "numChildren", "numActiveVMAs", "allLocksBit", "alive", "emptied",
        "createdAt", "createdBy",
      ])
    let avc = try #require(w.avcs.values.first)
    #expect(fields(avc) == ["id", "vma", "anonVMA", "onSameVMA", "onSameAnonVMA"])
    #expect(
      fields(w.pages[0]) == [
        "id", "mapping", "index", "mapcount", "pinned", "callerRefs", "anonExclusive", "cleanPTEs", "swapSlot",
        "freed",
      ])
    #expect(fields(SwapSlot(id: 1, count: 0, cached: nil)) == ["id", "count", "cached", "exclusive"])
    #expect(fields(StableNode(id: 1, page: 1, items: [], alive: true)) == ["id", "page", "items", "alive"])
    #expect(
      fields(RmapItem(process: 0, address: 0, vmaName: "", anonVMA: 1)) == ["process", "address", "vmaName", "anonVMA"])
    #expect(fields(World.LockHolder(cpu: 0, mode: .read)) == ["cpu", "mode", "op"])
  }

  @Test("the fingerprint set: inserts, finds, grows, keeps 0")
  func fingerprintSet() {
    var set = FingerprintSet()
    var x: UInt64 = 1
    var inserted: [UInt64] = [0]
    let first = set.insert(0)
    let again = set.insert(0)
    #expect(first && !again && set.contains(0))
    for _ in 0..<10_000 {
      x = StateHasher.mix(x &+ 1)
      inserted.append(x)
      let new = set.insert(x)
      #expect(new)
    }
    #expect(set.count == 10_001)
    #expect(inserted.allSatisfy { set.contains($0) })
    #expect(!set.contains(StateHasher.mix(123_456_789)))
    let repeats = inserted.filter { set.insert($0) }
    #expect(repeats.isEmpty)
    #expect(set.bytes <= 10_001 * 8 * 8 / 3 + 64)
    // A search of a few states holds a few slots (it held 1,024 whatever the count).
    var small = FingerprintSet()
    for i in 1...5 { small.insert(StateHasher.mix(UInt64(i))) }
    #expect(small.count == 5 && small.bytes <= 16 * 8)
    #expect((1...5).allSatisfy { small.contains(StateHasher.mix(UInt64($0))) })
  }

  @Test("CPU numbers are those a plain [CPU: Int] table gives (every CPU the race scenes reach)")
  func numbersAsPlainTable() throws {
    var (met, distinct) = (0, 0)
    for (name, e) in try raceExplorers() {
      var numbering = CPUNumbering()
      var plain: [CPU: Int] = [:]
      // The bucket each CPU first had: an equal CPU met again must have the same.
      var buckets: [CPU: UInt64] = [:]
      var queue = [e.initial]
      var seen: Set<World> = [e.initial]
      while let w = queue.popLast(), seen.count < 300 {
        for cpu in w.cpus {
          let expected = plain[cpu] ?? plain.count
          plain[cpu] = expected
          let bucket = CPUNumbering.bucket(cpu)
          #expect(buckets[cpu, default: bucket] == bucket, "\(name): equal CPUs, different buckets")
          buckets[cpu] = bucket
          #expect(numbering.number(cpu) == expected, "\(name)")
          met += 1
        }
        for c in w.cpus.indices where w.cpus[c].state == .running || w.cpus[c].state == .blocked {
          var next = w
          guard (try? next.microStep(cpu: c)) != nil, seen.insert(next).inserted else { continue }
          queue.append(next)
        }
      }
      #expect(numbering.count == plain.count, "\(name)")
      distinct += plain.count
    }
    #expect(met > distinct, "CPUs met again are looked up")
  }

  @Test("a string hashes from its storage to the words of the byte-by-byte loop")
  func stringWords() {
    /// The loop over the UTF-8 view, as it was before the contiguous read.
    func reference(_ string: String) -> UInt64 {
      var h = StateHasher()
      var word: UInt64 = 0
      var n = 0
      for byte in string.utf8 {
        word = word << 8 | UInt64(byte)
        n += 1
        if n & 7 == 0 {
          h.combine(word)
          word = 0
        }
      }
      h.combine(word)
      h.combine(n)
      return h.finalize()
    }
    var strings = [
      "", "a", "anon_vma_prepare", "12345678", "123456789", "é", "cpu0 → P1", String(repeating: "xé", count: 40),
    ]
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    let alphabet = Array("ab_0 éü→🙂")
    for _ in 0..<200 {
      seed = StateHasher.mix(seed &+ 1)
      let characters = (0..<Int(seed % 40)).map { alphabet[Int((seed >> UInt64($0 % 50)) % UInt64(alphabet.count))] }
      strings.append(String(characters))
    }
    for string in strings {
      var h = StateHasher()
      h.combine(string)
      #expect(h.finalize() == reference(string), "\(string)")
    }
  }
}
