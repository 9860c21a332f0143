import AnonVMASim
import Dispatch
import SafeText
import Synchronization

/// The race explorer's search with states remembered by fingerprint, as TLC remembers them: the
/// visited set holds a 64-bit hash of each state's kernel state (``World/hashKernelState(into:)``,
/// deterministic across runs), never the world.
///
/// 64 bits, not 128: the probability that a collision hid a state is about n²/2^65 (printed with
/// every report): 3·10⁻⁸ at a million states and 3·10⁻⁶ at ten million, and 8 bytes a state keeps
/// the set within the 64 bytes per visited state the search aims at; 128 bits would double it for
/// odds no search here needs.
///
/// The search is breadth first, one level (schedule length) at a time in the order the reference
/// search (``RaceExplorer/exploreWorlds(maxStates:maxDepth:maxWork:)``) dequeues, so both report
/// the same states, findings and shortest schedules. Each visited state keeps its parent and the
/// CPU that moved (8 bytes) and a bit saying whether its world has violations; a finding's
/// schedule follows those back to the start and its events are rebuilt by replaying the schedule
/// (the search itself runs quiet, formatting no event text).
///
/// The frontier (the level being expanded and the next one) keeps whole worlds only for a level
/// of at most `frontierWorlds` states (``RaceExplorer/defaultFrontierWorlds``). A wider level is
/// its states' indices alone (a level's states were numbered in a row) and its worlds are rebuilt
/// in order by replay (``Replayer``) as the search reaches them. Measured on four CPUs copying on
/// write (12 pages each, release): a frontier world costs about 8 KB of resident memory (its
/// parent and siblings share little), 450 bytes per visited state at 28,561 states, where the
/// fingerprints and parents cost about 30; replayed, about 50. A replayed state costs 7.5
/// micro-steps (its ancestors not shared with the state before it), run without the invariant
/// check when the state has no violation (then the check reported nothing on the way), and in
/// place: only an ancestor the next state shares is copied onto the path. Copying each one had
/// cost twice the time (perf: the replay went from 27% to 14% of the expansions' samples on the
/// race bench). Worlds sharing little, a compact encoding of one would still cost kilobytes to
/// build and hold; and checkpoints (whole worlds of an earlier level) do not fit the memory
/// target: a level's ancestors are spread over every earlier level (6.5 a state on that scene,
/// each replayed once per level), so a checkpoint that saves many steps is a whole level of
/// hundreds of worlds. Helper threads rebuild stretches of a level in parallel (``Lookahead``).
extension RaceExplorer {
  /// How a visited state was reached: its parent's index and the CPU whose micro-step led here.
  struct Arrival {
    var parent: Int32
    var cpu: Int32
  }

  /// A state of the frontier: its index, its world and its CPUs' numbers (``CPUNumbering``).
  struct Frontier {
    var index: Int
    var world: World
    var cpuNumbers: [Int]
  }

  /// A micro-step's result before the search accounts for it.
  typealias Tried = Result<(world: World, outcome: MicroOutcome), SimError>

  /// One CPU's micro-step on a copy of `world`, with the invariants checked after a step that
  /// moved: a function of the world alone, so the threads of a level run it on their share of
  /// the frontier and the search accounts for the results in the frontier's order.
  ///
  /// `check` false, for a replay that knows the check reported nothing (the successor has no
  /// violation, and a violation once reported stays): only the check's other effect is kept
  /// (``World/forgetChangesWhenQuiescent()``), the same world without the check's cost.
  static func tryStep(_ world: World, cpu: Int, check: Bool = true) -> Tried {
    var next = world
    do {
      let outcome = try step(&next, cpu: cpu, check: check)
      return .success((next, outcome))
    } catch {
      return .failure(error)
    }
  }

  /// ``tryStep(_:cpu:check:)`` on the world itself: a replay steps a world it keeps no copy of
  /// in place, so that what the micro-step writes is not copied first (left half-changed when
  /// the model refuses the step).
  static func step(_ world: inout World, cpu: Int, check: Bool = true) throws(SimError) -> MicroOutcome {
    // The search's own work budget bounds the search; a world's counter bounds one micro-step.
    world.work.value = 0
    let outcome = try world.microStep(cpu: cpu)
    switch outcome {
    // `.idle` moved too: the operation returned without a last event.
    case .progressed, .deadlocked, .idle:
      if check { world.checkInvariants(everything: true) } else { world.forgetChangesWhenQuiescent() }
    case .blocked: break
    }
    return outcome
  }

  /// A micro-step tried ahead by a thread: its result and, for a step that moved, the hash of
  /// the successor's kernel state (``CPUNumbering/kernelHash(_:symmetry:)``), the search's
  /// heaviest work after the step itself.
  ///
  /// `checked` false: the step ran without the invariant check (``tryStep(_:cpu:check:)``), which
  /// the search runs after the fingerprint only on a state it has not visited. A state visited
  /// before had the same invariants checked when it was first reached, from a parent whose
  /// schedule is no longer: each violation the check would report on the duplicate was then
  /// reported, or already stood in that schedule's world, and either way its code has a finding
  /// (``Tally/wants(_:)`` keeps the first per code), or is the initial state's. Nothing else
  /// reads a duplicate's violations: it is dropped.
  struct Ahead {
    var tried: Tried
    var kernelHash: StateHasher?
    var checked = true
  }

  /// `checkAhead`: every successor's invariants are checked when its micro-step is tried, the
  /// duplicates' too, as before the search left the check of the states it has not visited to
  /// itself (``Ahead/checked``): the plain path, for the tests to compare the reports with.
  func exploreFingerprints(
    maxStates: Int, maxDepth: Int, maxWork: Int, reduction: Reduction, symmetry: Bool = true, threads: Int = 1,
    frontierWorlds: Int = defaultFrontierWorlds, checkAhead: Bool = false
  ) -> Report {
    var arrivals: [Arrival] = [Arrival(parent: -1, cpu: -1)]
    // A bit per state: whether its world has violations (a replay checks the invariants then).
    var violated = StateBits()
    var start = initial
    start.narrating.value = false
    // Its digests carried by the states replayed from it (``World/memoizeHashes()``).
    start.memoizeHashes()
    var numbering = CPUNumbering(symmetry: symmetry)
    var seen = FingerprintSet()
    let first = numbering.fingerprint(start)
    seen.insert(first.fingerprint)
    violated.append(!start.violations.isEmpty)
    let root = Frontier(index: 0, world: start, cpuNumbers: first.cpuNumbers)
    var frontier: [Frontier] = [root]
    // The level being expanded: `width` states, whose worlds are `frontier` or, for a level wider
    // than `frontierWorlds`, rebuilt by replay (``Replayer``) from the indices
    // `replayedFrom..<+width`.
    var width = 1
    var replayedFrom: Int?
    var replayedStates = 0
    var replayedSteps = 0
    // The next level's arrivals and violation bits, kept apart while the level is expanded (the
    // threads rebuilding its worlds read `arrivals` and `violated`) and appended after it.
    var nextArrivals: [Arrival] = []
    var nextViolated: [Bool] = []
    var depth = 0
    var expanded = 0
    var reducedExpansions = 0
    var peakFrontier = 0
    var tally = Tally(initial: initial)

    func schedule(to index: Int) -> [Int] {
      var schedule: [Int] = []
      var i = index
      while i > 0 {
        schedule.append(Int(arrivals[i].cpu))
        i = Int(arrivals[i].parent)
      }
      return schedule.reversed()
    }

    func finding(_ code: String, _ message: String, schedule: [Int]) {
      tally.add(Finding(code: code, message: message, schedule: schedule, events: events(of: schedule)))
    }

    search: while width > 0 {
      // The next level: its states are the indices from `levelStart` on, its worlds kept in
      // `level` until there are more than `frontierWorlds` (then it is replayed).
      var level: [Frontier] = []
      let levelStart = arrivals.count
      var levelReplayed = false
      nextArrivals.removeAll(keepingCapacity: true)
      nextViolated.removeAll(keepingCapacity: true)
      // The level's worlds move to the lookahead, which releases each once taken; a replayed
      // level's are rebuilt by the thread that takes each state; with threads, helpers work out
      // the next states' expansions (and worlds) meanwhile.
      let lookahead = Lookahead(
        frontier, count: width,
        rebuild: replayedFrom.map {
          Lookahead.Rebuild(from: $0, depth: depth, start: root, arrivals: arrivals, violated: violated)
        }, helpers: threads - 1, expand: depth < maxDepth, reduction: reduction, symmetry: symmetry,
        checkAhead: checkAhead)
      frontier = []
      defer {
        lookahead.finish()
        let replayed = lookahead.replayed
        replayedStates += replayed.states
        replayedSteps += replayed.steps
      }
      for k in 0..<width {
        guard let (taken, expansion) = lookahead.take(k) else { continue }
        var pre = expansion
        var node = taken
        // A replayed state's CPUs, each numbered when the search met it, looked up.
        if node.cpuNumbers.isEmpty { node.cpuNumbers = numbering.numbers(node.world, after: nil, numbered: []) }
        let (index, world) = (node.index, node.world)
        expanded += 1
        let queue = width - k + nextArrivals.count
        peakFrontier = max(peakFrontier, queue)
        if let reason = stopReason(
          expanded: expanded, work: tally.work, maxWork: maxWork,
          SearchProgress(
            states: seen.count, maxStates: maxStates, queue: queue, depth: depth, transitions: tally.transitions))
        {
          tally.stop(reason, covered: depth - 1, ends: true)
          break search
        }
        if depth >= maxDepth {
          tally.stop(Self.depthBound(maxDepth), covered: depth - 1)
          continue
        }
        let path = { (schedule(to: index), events(of: schedule(to: index))) }
        /// One CPU's enabled micro-step from this state: its successor and fingerprint (nil when
        /// the CPU cannot move: refused, blocked, idle), its violations recorded once.
        func successor(_ cpu: Int) -> (world: World, fingerprint: UInt64, cpuNumbers: [Int])? {
          let state = world.cpuState(cpu)
          guard state == .running || state == .blocked else { return nil }
          var next: World
          let outcome: MicroOutcome
          // Taken out (each CPU's successor is asked for once): a copy would share the successor's
          // world, and its invariant check below would copy what it writes.
          var ahead = cpu < pre.steps.count ? pre.steps[cpu].take() : nil
          let (checked, kernelHash) = (ahead?.checked ?? false, ahead?.kernelHash)
          switch ahead.take()?.tried ?? Self.tryStep(world, cpu: cpu, check: false) {
          case .failure(let error):
            tally.refuse(error, cpu: cpu, path: path)
            return nil
          case .success(let result):
            (next, outcome) = result
            tally.charge(next)
          }
          switch outcome {
          // `.idle`: the operation returned without a last event (its remaining calls expanded to
          // nothing); the state changed (the CPU is idle), and checks that wait for every CPU
          // to be idle may now run.
          case .progressed, .deadlocked, .idle: break
          case .blocked: return nil
          }
          // Recorded per transition, before deduplication (as the reference search does); the
          // invariant check's, when it was left to the search, after it (``Ahead/checked``).
          for v in tally.newViolations(next.violations, since: world.violations.count) where tally.wants(v.code) {
            finding(v.code, v.message, schedule: schedule(to: index) + [cpu])
          }
          let (fingerprint, cpuNumbers) = numbering.fingerprint(
            next, after: world, numbered: node.cpuNumbers, kernelHash: kernelHash)
          if !checked && !seen.contains(fingerprint) {
            let stepped = next.violations.count
            next.checkInvariants(everything: true)
            for v in tally.newViolations(next.violations, since: stepped) where tally.wants(v.code) {
              finding(v.code, v.message, schedule: schedule(to: index) + [cpu])
            }
          }
          return (next, fingerprint, cpuNumbers)
        }
        func add(_ s: (world: World, fingerprint: UInt64, cpuNumbers: [Int]), cpu: Int) {
          if seen.contains(s.fingerprint) { return }
          if seen.count >= maxStates {
            tally.stop(Self.statesBound(maxStates), covered: depth)
            return
          }
          seen.insert(s.fingerprint)
          nextArrivals.append(Arrival(parent: Int32(index), cpu: Int32(cpu)))
          nextViolated.append(!s.world.violations.isEmpty)
          if levelReplayed {
            return
          } else if level.count < frontierWorlds {
            level.append(
              Frontier(index: levelStart + nextArrivals.count - 1, world: s.world, cpuNumbers: s.cpuNumbers))
          } else {
            levelReplayed = true
            level = []
          }
        }
        // The ample set: one CPU's micro-step alone when C0-C3 allow it, else every CPU's.
        var first: (cpu: Int, next: (world: World, fingerprint: UInt64, cpuNumbers: [Int])?)?
        if let p = pre.ample {
          let next = successor(p)
          first = (p, next)
          if let next, Self.ampleAfter(world, next.world, cpu: p, reduction: reduction),
            !seen.contains(next.fingerprint)
          {
            reducedExpansions += 1
            add(next, cpu: p)
            continue
          }
        }
        var moved = false
        for cpu in world.cpus.indices {
          let next = first?.cpu == cpu ? first?.next : successor(cpu)
          guard let next else { continue }
          moved = true
          add(next, cpu: cpu)
        }
        if !moved {
          tally.schedules += 1
          if tally.isDeadlock(world) {
            finding("C18", Tally.deadlockMessage, schedule: schedule(to: index))
          }
        }
      }
      // The threads done, the level's replay lets go of `arrivals`, which grows in place.
      lookahead.finish()
      arrivals.append(contentsOf: nextArrivals)
      for bit in nextViolated { violated.append(bit) }
      frontier = level
      width = nextArrivals.count
      replayedFrom = levelReplayed ? levelStart : nil
      depth += 1
    }
    let n = Double(seen.count)
    var report = tally.report(states: seen.count, omissionProbability: n * (n - 1) / 0x1p65)
    report.reduction = reduction
    report.symmetry = symmetry
    report.reducedExpansions = reducedExpansions
    report.peakFrontier = peakFrontier
    report.replayedStates = replayedStates
    report.replayedSteps = replayedSteps
    report.visitedBytes =
      seen.bytes + (arrivals.capacity + nextArrivals.capacity) * MemoryLayout<Arrival>.stride + violated.bytes
      + nextViolated.capacity
    return report
  }

  /// Rebuilds the worlds of a replayed level in the level's order, each by replaying its
  /// state's micro-steps from the start as the search ran them (``tryStep(_:cpu:)``: the same
  /// world, violations and CPU numbers), and keeps the path to the last state rebuilt. A
  /// breadth-first level is in the order of its states' ancestors, so consecutive states share
  /// most of the path: each ancestor is replayed once per level and replayer, a parent once for
  /// its children. Each thread that rebuilds a stretch of a level has its own (``Lookahead``).
  struct Replayer {
    /// `path[d]`: the state `d` micro-steps from the start on the way to the last one rebuilt
    /// (its CPU numbers empty but at the start).
    private var path: [Frontier]
    /// States rebuilt, and the micro-steps replayed to rebuild them.
    private(set) var states = 0
    private(set) var steps = 0

    init(start: Frontier) { path = [start] }

    /// State `index`, `depth` micro-steps from the start, with its world and CPU numbers.
    mutating func frontier(
      _ index: Int, depth: Int, arrivals: [Arrival], violated: StateBits, numbering: inout CPUNumbering
    ) -> Frontier {
      var state = frontier(index, depth: depth, arrivals: arrivals, violated: violated)
      // Every CPU of a state the search met was numbered then: looked up, never numbered anew.
      if state.cpuNumbers.isEmpty { state.cpuNumbers = numbering.numbers(state.world, after: nil, numbered: []) }
      return state
    }

    /// State `index`, `depth` micro-steps from the start, with its world; its CPU numbers are
    /// left empty (but at the start), for the search to look up (``CPUNumbering/numbers(_:after:numbered:)``):
    /// threads rebuild worlds, the search alone numbers CPUs.
    mutating func frontier(_ index: Int, depth: Int, arrivals: [Arrival], violated: StateBits) -> Frontier {
      var chain: [Int] = []
      var i = index
      var d = depth
      while d > 0 && !(d < path.count && path[d].index == i) {
        chain.append(i)
        i = Int(arrivals[i].parent)
        d -= 1
      }
      path.removeSubrange((d + 1)..<path.count)
      states += 1
      steps += chain.count
      if chain.isEmpty { return path[d] }
      // The path keeps the ancestors this state shares with the next one of its level (the one
      // a replayer is asked for next, but at the end of a thread's stretch); the rest is stepped
      // in place, written without a copy. Which are kept changes the work, never the worlds.
      var a = index
      var b = index + 1
      var keep = b < arrivals.count ? depth : 0
      while keep > d && a != b {
        a = Int(arrivals[a].parent)
        b = Int(arrivals[b].parent)
        keep -= 1
      }
      var world = path[d].world
      for (k, j) in chain.reversed().enumerated() {
        do {
          _ = try step(&world, cpu: Int(arrivals[j].cpu), check: violated[j])
        } catch {
          preconditionFailure("the search took this micro-step; replayed, it cannot be refused")
        }
        if d + 1 + k <= keep { path.append(Frontier(index: j, world: world, cpuNumbers: [])) }
      }
      return Frontier(index: index, world: world, cpuNumbers: [])
    }
  }

  /// The event of each micro-step of a schedule, replayed from the initial state as the search
  /// ran it (nil for a micro-step that deadlocked), with the initial state's narration.
  func events(of schedule: [Int]) -> [Event?] {
    var world = initial
    var events: [Event?] = []
    for cpu in schedule {
      world.work.value = 0
      switch try? world.microStep(cpu: cpu) {
      case .progressed(let e): events.append(e)
      default: events.append(nil)
      }
      world.checkInvariants(everything: true)
    }
    return events
  }
}

/// Numbers each distinct CPU (state, program, registers, locks) in the order the search meets it,
/// so a state's fingerprint hashes a CPU as its number: the programs' instructions need no stable
/// hash of their own, and the numbers are the same on every run because the search's order is.
/// (SPIN's COLLAPSE compression stores a state's components once and the state as their indices
/// in the same way.) The table is exact: it compares CPUs with ``CPU/equal(at:_:)`` (`==` in place).
struct CPUNumbering {
  /// The CPUs met, by number.
  private var cpus: [CPU] = []
  /// By ``bucket(_:)``: the numbers of the CPUs met with that hash. (A `[CPU: Int]` compares the
  /// key with each CPU its probe meets, about two full `==` and copies a lookup; here a CPU is
  /// compared with those of its hash alone, in place.)
  private var byHash: [UInt64: [Int]] = [:]
  /// Whether page ids are hashed under names that do not depend on the order of allocation
  /// (``World/pageNames()``): the symmetry reduction.
  let symmetry: Bool

  init(symmetry: Bool = false) { self.symmetry = symmetry }

  /// How many distinct CPUs have been met.
  var count: Int { cpus.count }

  /// A hash of the fields of a CPU that tell most CPUs apart, all compared by `==`, so equal
  /// CPUs hash equal and `==` in the bucket tells the rest apart. `hashValue` hashes the next
  /// instructions through `Hasher`: 1,900 instructions a CPU under callgrind (4-CPU COW scene).
  static func bucket(_ cpu: borrowing CPU) -> UInt64 {
    var h = StateHasher()
    h.combine(cpu.id)
    h.combine(cpu.state.stateCode)
    h.combine(cpu.pending.count)
    h.combine(cpu.holds)
    h.combine(cpu.waitingFor)
    h.combine(cpu.regs.vma)
    h.combine(cpu.regs.anonVMA)
    h.combine(cpu.regs.page)
    h.combine(cpu.regs.newPage)
    return h.finalize()
  }

  mutating func number(_ cpu: borrowing CPU) -> Int {
    withUnsafePointer(to: cpu) { number(at: $0) }
  }

  /// ``number(_:)`` of a CPU read in place.
  mutating func number(at cpu: UnsafePointer<CPU>) -> Int {
    let hash = Self.bucket(cpu.pointee)
    if let candidates = byHash[hash] {
      let found = cpus.withUnsafeBufferPointer { cpus in
        candidates.first { n in cpus.baseAddress.map { CPU.equal(at: $0 + n, cpu) } ?? false }
      }
      if let found { return found }
    }
    let n = cpus.count
    cpus.append(cpu.pointee)
    byHash[hash, default: []].append(n)
    return n
  }

  /// The hash of a world's kernel state, CPUs left out (a function of the world alone, which
  /// threads compute ahead): page ids under their names with `symmetry`.
  static func kernelHash(_ world: World, symmetry: Bool) -> StateHasher {
    var h = StateHasher()
    world.hashKernelState(into: &h, pageNames: symmetry ? world.pageNames() ?? PageNames() : PageNames())
    return h
  }

  /// The 64-bit fingerprint of a world's kernel state, and its CPUs' numbers.
  mutating func fingerprint(_ world: World) -> (fingerprint: UInt64, cpuNumbers: [Int]) {
    fingerprint(world, after: nil, numbered: [])
  }

  /// The fingerprint of a world one micro-step after `parent`, whose CPUs have the numbers
  /// `known`: a CPU equal to its parent's keeps its number without a lookup (most do not change;
  /// ``CPU/equal(at:_:)`` on an unchanged one finds its program's frames shared).
  ///
  /// `kernelHash`: the world's ``kernelHash(_:symmetry:)``, when a thread computed it ahead.
  mutating func fingerprint(
    _ world: World, after parent: World?, numbered known: [Int], kernelHash: StateHasher? = nil
  ) -> (fingerprint: UInt64, cpuNumbers: [Int]) {
    var h = kernelHash ?? Self.kernelHash(world, symmetry: symmetry)
    let numbers = numbers(world, after: parent, numbered: known)
    for n in numbers { h.combine(n) }
    h.combine(world.cpus.count)
    return (h.finalize(), numbers)
  }

  /// The numbers of a world's CPUs, one micro-step after `parent` whose CPUs have the numbers
  /// `known`.
  mutating func numbers(_ world: World, after parent: World?, numbered known: [Int]) -> [Int] {
    var numbers: [Int] = []
    numbers.reserveCapacity(world.cpus.count)
    // The CPUs compared and looked up in place (`world.cpus[i]` would copy each one out first).
    let parentCPUs = parent?.cpus ?? []
    world.cpus.withUnsafeBufferPointer { buffer in
      parentCPUs.withUnsafeBufferPointer { parentCPUs in
        guard let cpus = buffer.baseAddress else { return }
        for i in buffer.indices {
          let parentCPU = i < known.count && i < parentCPUs.count ? parentCPUs.baseAddress.map { $0 + i } : nil
          let unchanged = parentCPU.map { CPU.equal(at: $0, cpus + i) } ?? false
          numbers.append(unchanged ? known[i] : number(at: cpus + i))
        }
      }
    }
    return numbers
  }
}

/// One bit per state index.
struct StateBits {
  private var words: [UInt64] = []
  private(set) var count = 0

  /// Bytes the bits hold.
  var bytes: Int { words.capacity * 8 }

  mutating func append(_ bit: Bool) {
    if count & 63 == 0 { words.append(0) }
    if bit { words[count >> 6] |= 1 << UInt64(count & 63) }
    count += 1
  }

  subscript(i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
}

/// A set of 64-bit fingerprints: open addressing with linear probing in a power-of-two table at
/// most three quarters full (8 bytes a slot, 11 to 21 bytes a fingerprint). The fingerprints are
/// well mixed, so their top bits index the table directly; 0 marks an empty slot and the
/// fingerprint 0 is kept beside the table. It starts at 16 slots and doubles: a search of a few
/// states holds a few hundred bytes (it started at 1,024 slots, 8 KB: 1,654 bytes a state on
/// d5-take-all-locks' 5 states, 112 on d3's 83).
struct FingerprintSet {
  private var slots = [UInt64](repeating: 0, count: 16)
  private var shift = 64 - 4
  private var hasZero = false
  private(set) var count = 0

  /// Bytes the table holds.
  var bytes: Int { slots.count * 8 }

  func contains(_ print: UInt64) -> Bool {
    if print == 0 { return hasZero }
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: print >> UInt64(shift))
    while true {
      let s = slots[i]
      if s == print { return true }
      if s == 0 { return false }
      i = (i + 1) & mask
    }
  }

  /// Adds a fingerprint; returns whether it was new.
  @discardableResult
  mutating func insert(_ print: UInt64) -> Bool {
    if print == 0 {
      defer { hasZero = true }
      if hasZero { return false }
      count += 1
      return true
    }
    if (count + 1) * 4 > slots.count * 3 { grow() }
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: print >> UInt64(shift))
    while true {
      let s = slots[i]
      if s == print { return false }
      if s == 0 {
        slots[i] = print
        count += 1
        return true
      }
      i = (i + 1) & mask
    }
  }

  private mutating func grow() {
    let old = slots
    slots = [UInt64](repeating: 0, count: old.count * 2)
    shift -= 1
    let mask = slots.count - 1
    for print in old where print != 0 {
      var i = Int(truncatingIfNeeded: print >> UInt64(shift))
      while slots[i] != 0 { i = (i + 1) & mask }
      slots[i] = print
    }
  }
}
