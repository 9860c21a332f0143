import AnonVMASim

/// The anon_vma locks a step took, read from its micro-states, so the screen can show them at
/// step granularity: every acquisition in order (who, which lock, in which mode, in which kernel
/// function, for which operation), who had to wait, and the one moment worth drawing — the hold
/// that covers the most objects (the latest of equals) among those whose anon_vmas survive the
/// step, or none when the step took no lock.
public struct StepLocks: Sendable, Hashable {
  /// One acquisition of an anon_vma lock.
  public struct Hold: Sendable, Hashable {
    public var cpu: Int
    public var anonVMA: AnonVMAID
    public var mode: LockMode
    public var function: String
    public var op: String?
    /// The micro-step (1-based) that took it.
    public var micro: Int
  }

  public private(set) var holds: [Hold] = []
  /// CPUs that waited for a lock during the step, with the lock, once each.
  public private(set) var waits: [(cpu: Int, anonVMA: AnonVMAID)] = []
  /// The micro-step (1-based) whose lock state the step's picture shows: among the moments
  /// holding a lock, one whose covered anon_vmas all survive to the step's end (the picture is
  /// the step's end: what the step freed cannot be drawn under a lock), else one whose covered
  /// anon_vmas partly survive, else (``shown`` false) one whose covered anon_vmas are all freed;
  /// the one covering the most objects among those (the latest of equals).
  public private(set) var featured: Int?
  /// Whether some anon_vma under the locks held at ``featured`` survives to the step's end, and
  /// so can be drawn in the step's picture; false when every hold's anon_vmas are freed by it.
  public private(set) var shown = false
  /// The anon_vmas under the locks held at ``featured`` (alive then) that are freed by the
  /// step's end: drawn without the lock, named beside `shown at`.
  public private(set) var freedSince: [AnonVMAID] = []

  public static func == (a: StepLocks, b: StepLocks) -> Bool {
    a.holds == b.holds && a.featured == b.featured && a.waits.map(\.cpu) == b.waits.map(\.cpu)
      && a.waits.map(\.anonVMA) == b.waits.map(\.anonVMA) && a.shown == b.shown && a.freedSince == b.freedSince
  }
  public func hash(into h: inout Hasher) {
    h.combine(holds)
    h.combine(featured)
  }

  /// No lock taken.
  init() {}

  /// The locks of a step whose micro-states are `micro`, drawn over `end`, the world after the
  /// step (the last micro-state's when not given).
  public init(_ micro: [(event: Event, world: World)], end: World? = nil) {
    var observer = Observer(end: end ?? micro.last?.world)
    for state in micro { observer.observe(state.event, state.world) }
    self = observer.locks
  }

  /// The locks of a step read one micro-state at a time, in order, none kept
  /// (``Replay/observeMicroStates(step:narration:keep:_:)``: keeping every micro-state of a large
  /// fork copies its arrays at each one).
  public struct Observer {
    /// A lock held by a CPU.
    struct Held: Hashable {
      var lock: AnonVMAID
      var cpu: Int
    }
    /// The locks of the micro-states observed so far.
    public private(set) var locks = StepLocks()
    /// The world after the step.
    let end: World?
    /// Whether each anon_vma (by id, index `id - 1`) is alive at the step's end, gathered once,
    /// at the first hold (asking the end world per anon_vma and micro-state copied it each time).
    var aliveAtEnd: [Bool]?
    var held = Set<Held>()
    /// The best moment so far: how much of what it covers survives (2 all, 1 some, 0 none),
    /// then how many objects it covers.
    var best = (survives: 0, cover: 0)
    /// Micro-states observed.
    var count = 0

    /// An observer of a step whose world after it is `end`.
    public init(end: World?) { self.end = end }

    /// The next micro-state: the event that led to it and its world.
    public mutating func observe(_ event: Event, _ w: World) {
      count += 1
      let i = count - 1
      var now = Set<Held>()
      w.lockHolders.forEachHolder { lock, h in
        now.insert(Held(lock: lock, cpu: h.cpu))
        if !held.contains(Held(lock: lock, cpu: h.cpu)) {
          locks.holds.append(
            Hold(cpu: h.cpu, anonVMA: lock, mode: h.mode, function: event.function, op: h.op, micro: i + 1))
        }
      }
      held = now
      for cpu in w.cpus {
        if let lock = cpu.waitingFor, !locks.waits.contains(where: { $0.cpu == cpu.id && $0.anonVMA == lock }) {
          locks.waits.append((cpu.id, lock))
        }
      }
      guard !now.isEmpty else { return }
      if aliveAtEnd == nil, let end {
        var alive: [Bool] = []
        alive.reserveCapacity(end.anonVMAs.count)
        end.anonVMAs.forEachChunk { chunk in
          for k in chunk.indices { alive.append(chunk[k].alive) }
        }
        aliveAtEnd = alive
      }
      // The anon_vmas whose lock (`World.lockTarget(of:)`) is held, and the VMAs on their lists
      // (`World.listVMAs`: the list's entries whose anon_vma_chain exists), counted in place:
      // no anon_vma is copied and no list made.
      let locked = Array(Set(now.map(\.lock)))
      let own = w.kernel == .v2_6_34
      let aliveAtEnd = self.aliveAtEnd
      var cover = 0
      var freed: [AnonVMAID] = []
      var covered = 0
      w.anonVMAs.forEachChunk { chunk in
        for k in chunk.indices where chunk[k].alive {
          let id = chunk[k].id
          guard locked.contains(own ? id : chunk[k].root ?? id) else { continue }
          covered += 1
          if let aliveAtEnd, !(id.raw <= aliveAtEnd.count && aliveAtEnd[id.raw - 1]) { freed.append(id) }
          cover += 1 + chunk[k].head.count { w.avcs.contains($0) }
        }
      }
      let survives = freed.isEmpty && covered > 0 ? 2 : freed.count < covered ? 1 : 0
      if locks.featured == nil || survives > best.survives || (survives == best.survives && cover >= best.cover) {
        best = (survives, cover)
        locks.featured = i + 1
        locks.shown = survives > 0
        locks.freedSince = freed.sorted()
      }
    }
  }

  /// `cpu0 AV1 (fork P1 P2, anon_vma_lock) ×3`: the acquisitions, repeats of one lock by one CPU
  /// for one operation counted.
  public var summary: [String] {
    var lines: [(key: [String], count: Int)] = []
    for h in holds {
      let mode = h.mode == .exclusive ? "" : " \(h.mode.rawValue)"
      let key = ["cpu\(h.cpu)", World.avName(h.anonVMA) + mode, h.op ?? "", h.function]
      if let last = lines.last, last.key == key {
        lines[lines.count - 1].count += 1
      } else {
        lines.append((key, 1))
      }
    }
    var text = lines.map { line in
      let op = line.key[2].isEmpty ? "" : "\(line.key[2]): "
      return "\(line.key[0]) locks \(line.key[1]) (\(op)\(line.key[3]))" + (line.count > 1 ? " ×\(line.count)" : "")
    }
    for w in waits { text.append("cpu\(w.cpu) waits for \(World.avName(w.anonVMA))") }
    return text
  }
}
