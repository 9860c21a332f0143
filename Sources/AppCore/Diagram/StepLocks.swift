import AnonVMASim

/// The anon_vma locks a step took, read from its micro-states, so the screen can show them at
/// step granularity: the locks held when it began (taken in an earlier step: `mm_take_all_locks`
/// returns holding them), every acquisition in order (who, which lock, in which mode, in which
/// kernel function, for which operation), which were released in the step and which are still
/// held after it, who had to wait, and the one moment worth drawing — the hold
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
    /// The micro-step (1-based) that took it; 0 for a lock held when the step began.
    public var micro: Int
    /// Held when the step began (taken in an earlier step): `function` is then empty.
    public var carried = false
    /// The micro-step (1-based) that released it, with the function and operation that did;
    /// nil while it is held at the step's end.
    public var released: Int? = nil
    public var releasedBy: String? = nil
    public var releaseOp: String? = nil
  }

  public private(set) var holds: [Hold] = []
  /// CPUs that waited for a lock during the step, with the lock, once each.
  public private(set) var waits: [(cpu: Int, anonVMA: AnonVMAID, mode: LockMode?)] = []
  /// The CPUs of ``waits`` still waiting at the step's end (the others got the lock, or were
  /// made runnable by its release).
  public private(set) var waitingAtEnd: Set<Int> = []
  /// The micro-step (1-based) whose lock state the step's picture shows: among the moments
  /// holding a lock, one whose covered anon_vmas all survive to the step's end (the picture is
  /// the step's end: what the step freed cannot be drawn under a lock), else one whose covered
  /// anon_vmas partly survive, else (``shown`` false) one whose covered anon_vmas are all freed;
  /// the one covering the most objects among those (the latest of equals). None when the step
  /// took no lock, or when its only locks were held when it began and it released them all: its
  /// news is the release, and its picture its end (was: the hold it ended, `waiting: cpu1` on
  /// the outline of a step whose narration says cpu1 is now runnable).
  public private(set) var featured: Int?
  /// Whether some anon_vma under the locks held at ``featured`` survives to the step's end, and
  /// so can be drawn in the step's picture; false when every hold's anon_vmas are freed by it.
  public private(set) var shown = false
  /// The anon_vmas under the locks held at ``featured`` (alive then) that are freed by the
  /// step's end: drawn without the lock, named beside `outline:`.
  public private(set) var freedSince: [AnonVMAID] = []

  public static func == (a: StepLocks, b: StepLocks) -> Bool {
    a.holds == b.holds && a.featured == b.featured && a.waits.map(\.cpu) == b.waits.map(\.cpu)
      && a.waits.map(\.anonVMA) == b.waits.map(\.anonVMA) && a.waits.map(\.mode) == b.waits.map(\.mode)
      && a.shown == b.shown && a.freedSince == b.freedSince
      && a.waitingAtEnd == b.waitingAtEnd
  }
  public func hash(into h: inout Hasher) {
    h.combine(holds)
    h.combine(featured)
  }

  /// No lock taken.
  init() {}

  /// The locks of a step whose micro-states are `micro`, begun in `start` (the world before the
  /// step: the locks it holds are carried into the step, not taken by it), drawn over `end`, the
  /// world after the step (the last micro-state's when not given).
  public init(_ micro: [(event: Event, world: World)], start: World? = nil, end: World? = nil) {
    var observer = Observer(start: start, end: end ?? micro.last?.world)
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
    /// The locks of the micro-states observed so far (``locks`` adds the CPUs waiting at the end).
    var observed = StepLocks()
    /// The locks of the micro-states observed so far, and the CPUs waiting for a lock in the
    /// world after the step (a CPU that blocks does so without a micro-step of its own).
    public var locks: StepLocks {
      var locks = observed
      for cpu in end?.cpus ?? [] {
        guard let lock = cpu.waitingFor else { continue }
        locks.waitingAtEnd.insert(cpu.id)
        if !locks.waits.contains(where: { $0.cpu == cpu.id && $0.anonVMA == lock }) {
          locks.waits.append((cpu.id, lock, cpu.waitingMode))
        }
      }
      if !locks.holds.isEmpty, locks.holds.allSatisfy({ $0.carried && $0.released != nil }) {
        locks.featured = nil
        locks.shown = false
        locks.freedSince = []
      }
      return locks
    }
    /// The world after the step.
    let end: World?
    /// Whether each anon_vma (by id, index `id - 1`) is alive at the step's end, gathered once,
    /// at the first hold (asking the end world per anon_vma and micro-state copied it each time).
    var aliveAtEnd: [Bool]?
    /// The locks held after the last micro-state observed, each with its ``holds`` index.
    var held: [Held: Int] = [:]
    /// The best moment so far: how much of what it covers survives (2 all, 1 some, 0 none),
    /// then how many objects it covers.
    var best = (survives: 0, cover: 0)
    /// Micro-states observed.
    var count = 0

    /// An observer of a step begun in `start` (its locks are carried into the step) whose world
    /// after it is `end`.
    public init(start: World? = nil, end: World?) {
      self.end = end
      guard let start else { return }
      for lock in start.lockHolders.keys.sorted() {
        for h in start.lockHolders[lock] ?? [] {
          held[Held(lock: lock, cpu: h.cpu)] = observed.holds.count
          observed.holds.append(
            Hold(cpu: h.cpu, anonVMA: lock, mode: h.mode, function: "", op: h.op, micro: 0, carried: true))
        }
      }
    }

    /// The next micro-state: the event that led to it and its world.
    public mutating func observe(_ event: Event, _ w: World) {
      count += 1
      let i = count - 1
      var now = Set<Held>()
      w.lockHolders.forEachHolder { lock, h in
        let key = Held(lock: lock, cpu: h.cpu)
        now.insert(key)
        if held[key] == nil {
          // Taken in this micro-step: `World.lock` takes a lock in the taking CPU's own event.
          held[key] = observed.holds.count
          observed.holds.append(
            Hold(cpu: h.cpu, anonVMA: lock, mode: h.mode, function: event.function, op: h.op, micro: i + 1))
        }
      }
      for (key, index) in held where !now.contains(key) {
        observed.holds[index].released = i + 1
        observed.holds[index].releasedBy = event.function
        observed.holds[index].releaseOp = w.cpus[key.cpu].op ?? observed.holds[index].op
        held[key] = nil
      }
      for cpu in w.cpus {
        if let lock = cpu.waitingFor, !observed.waits.contains(where: { $0.cpu == cpu.id && $0.anonVMA == lock }) {
          observed.waits.append((cpu.id, lock, cpu.waitingMode))
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
      if observed.featured == nil || survives > best.survives || (survives == best.survives && cover >= best.cover) {
        best = (survives, cover)
        observed.featured = i + 1
        observed.shown = survives > 0
        observed.freedSince = freed.sorted()
      }
    }
  }

  /// The step's locks in words, what the step did first, in order: a lock held when the step
  /// began and released in it, `cpu0 releases AV1 (drop-all-locks P1: vm_unlock_anon_vma)`; each
  /// acquisition, `cpu0 locks AV1 (fork P1 P2: anon_vma_lock) ×3` (repeats of one lock by one CPU
  /// for one operation counted), `, held after the step` when it is not released in the step;
  /// then `cpu1 waits for AV1` (`waited` when it no longer waits at the step's end; on a 6.x
  /// rwsem what for: `cpu1 waits for AV1 (write)`); last the
  /// locks held through the step, `cpu0 still holds AV1 (take-all-locks P1)`. A line with room
  /// for one item (80×24) wrote `cpu0 still holds AV1 read … +1` over rwsem step 9's own event.
  public var summary: [String] { summary(functions: true) }

  /// ``summary`` with the kernel functions left out where a line is short (80×24: `cpu1 locks
  /// AV1 read (rmap P2 A 0), held after the step`; the narration's kernel line names them):
  /// every item still says who, which lock, for what and whether it is held after the step.
  public func summary(functions: Bool) -> [String] {
    var lines: [(text: String, held: Bool, count: Int)] = []
    var through: [String] = []
    for h in holds {
      let lock = World.avName(h.anonVMA) + (h.mode == .exclusive ? "" : " \(h.mode.rawValue)")
      let text: String
      if h.carried && h.released == nil {
        through.append("cpu\(h.cpu) still holds \(lock)" + (h.op.map { " (\($0))" } ?? ""))
        continue
      } else if h.carried {
        text = "cpu\(h.cpu) releases \(lock)" + Self.why(h.releaseOp, functions ? h.releasedBy : nil)
      } else {
        text = "cpu\(h.cpu) locks \(lock)" + Self.why(h.op, functions ? h.function : nil)
      }
      let held = !h.carried && h.released == nil
      if let last = lines.last, last.text == text, last.held == held {
        lines[lines.count - 1].count += 1
      } else {
        lines.append((text, held, 1))
      }
    }
    var text = lines.map {
      $0.text + ($0.count > 1 ? " ×\($0.count)" : "") + ($0.held ? ", held after the step" : "")
    }
    for w in waits {
      // 6.x: what for (a reader queues behind a writer); a 2.6.x spinlock has one mode.
      let mode = w.mode.map { $0 == .exclusive ? "" : " (\($0.rawValue))" } ?? ""
      text.append(
        "cpu\(w.cpu) \(waitingAtEnd.contains(w.cpu) ? "waits" : "waited") for \(World.avName(w.anonVMA))\(mode)")
    }
    return text + through
  }

  /// ` (fork P1 P2: anon_vma_lock)`, ` (fork P1 P2)`, ` (anon_vma_lock)`, or nothing.
  static func why(_ op: String?, _ function: String?) -> String {
    let parts = [op, function].compactMap { $0 }.filter { !$0.isEmpty }
    return parts.isEmpty ? "" : " (" + parts.joined(separator: ": ") + ")"
  }
}
