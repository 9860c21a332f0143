import AnonVMASim
import ScenePlayer

/// What a frame derives from the world on screen: the row order and fold shapes of the VMA pane,
/// the forest's columns, the totals, the step's kernel functions and the micro-steps of the step.
///
/// A value computed by the reducer when its inputs (timeline, step, micro-step, folding) change
/// (a large forest takes milliseconds to lay out); the view only reads it.
public struct Layout: Sendable {
  /// The inputs a layout was computed from. A timeline is known by its model and step count: the
  /// app's own only changes by appending steps (explore mode), the comparison's by its model.
  struct Key: Hashable {
    var step: Int
    var micro: Int?
    var stepCount: Int
    var folding: Bool
    var kernel: KernelVersion
    var variants: [Variant]

    init(_ timeline: Timeline, step: Int, micro: Int?, folding: Bool) {
      self.step = step
      self.micro = micro
      stepCount = timeline.stepCount
      self.folding = folding
      kernel = timeline.kernel
      variants = timeline.variants
    }
  }

  /// The worlds after each micro-step of one step, with their events ("step into").
  struct MicroSteps: Sendable {
    var step: Int
    var states: [(event: Event, world: World)]
  }

  let key: Key
  /// The micro-steps of a step, loaded when the user first steps into it and kept while the step
  /// stays on screen (so `k` then `j` does not replay the step again).
  var microSteps: MicroSteps?
  /// The world on screen: after the step, or after the selected micro-step.
  let world: World
  /// The world before the one on screen (for the diff marks), nil at step 0.
  let previous: World?
  /// The world before the step on screen (the locks it holds are carried into the step,
  /// ``StepLocks``), nil at step 0.
  let stepStart: World?
  /// The VMA pane's rows.
  let rows: [VMARow]
  /// anon_vma ids as matrix columns: alive ones grouped by forest, then the ones freed in this
  /// step in the order they were freed (the order is the lesson: a root goes last).
  let columns: [AnonVMAID]
  /// VMAs in address order per process (the matrix rows).
  let orderedVMAs: [VMAID]
  /// Listed pages by the anon_vma they are filed in.
  let pagesByAnonVMA: [AnonVMAID: [PageID]]
  /// The kernel functions the step ran, in first-call order (empty inside a micro-step).
  let functions: [String]
  /// Processes, VMAs, anon_vmas, chains and pages, for the status line.
  let totals: String
  /// The bound the world is over, which makes the diagram view draw the matrix
  /// (``DiagramLayout/excess(_:)``); nil when the diagram is drawn.
  let diagramExcess: String?
  /// The forest diagram of the world on screen, computed in diagram view (`refreshDiagram`).
  var diagram: DiagramLayout?
  /// The anon_vma locks a whole step took (``loadStepLocks(_:)``), and the world at its featured
  /// micro-step with the step's micro-step count, when its micro-steps are not loaded.
  var stepLocks: StepLocks?
  var stepLockMoment: (world: World, micro: Int, count: Int)?

  /// The function the model names a reverse-map walk by.
  static let rmapWalk = "rmap_walk"
  /// The kernel line's name for a walk that did not happen: the lock function returned NULL.
  static let abortedWalk = "rmap_walk (anon_vma NULL: no walk)"

  /// The number of micro-steps of the step on screen, when they are loaded (`nil` before).
  public var microStepCount: Int? { microSteps.map(\.states.count) }

  init(timeline: Timeline, key: Key, microSteps loaded: MicroSteps?) {
    self.key = key
    let microSteps = loaded?.step == key.step ? loaded : nil
    self.microSteps = microSteps
    (world, previous) = Layout.worlds(timeline, key, microSteps)
    stepStart = key.step > 0 ? timeline.states[key.step - 1] : nil
    let step = key.step
    let w = world
    rows = Layout.vmaRows(w, previous: previous, folding: key.folding)
    columns = w.aliveAnonVMAsByForest + w.freedThisStep.filter { !(w.anonVMA($0)?.alive ?? false) }
    orderedVMAs = w.orderedVMAs
    var byAnonVMA: [AnonVMAID: [PageID]] = [:]
    for p in w.listedPages { if case .anon(let a) = w[page: p].mapping { byAnonVMA[a, default: []].append(p) } }
    pagesByAnonVMA = byAnonVMA
    var functions: [String] = []
    if key.micro == nil {
      var walkers = Set<Int>()
      for e in timeline.replay.events(step: step, .quiet) {
        if e.function == Self.rmapWalk { walkers.insert(e.cpu) }
        if !functions.contains(e.function) { functions.append(e.function) }
      }
      // A walk whose page_lock_anon_vma() / folio_lock_anon_vma_read() returned NULL walks
      // nothing: rmap_walk_anon() returns at once (`if (!anon_vma) return;`, mm/rmap.c), and its
      // one rmap_walk event is that return. The CPU's `bail` stays set until it begins another
      // operation, so every CPU that ran rmap_walk in this step still shows it after the step.
      if !walkers.isEmpty, walkers.allSatisfy({ w.cpus.indices.contains($0) && w.cpus[$0].regs.bail }),
        let i = functions.firstIndex(of: Self.rmapWalk)
      {
        functions[i] = Self.abortedWalk
      }
    }
    self.functions = functions
    totals =
      "\(w.processes.count { $0.alive })p \(w.vmas.count)v \(w.aliveAnonVMAs.count)av \(w.avcCount)avc "
      + "\(w.listedPages.count)pg"
    diagramExcess = DiagramLayout.excess(w)
  }
}

extension Layout {
  /// Loads the locks a whole step took, so every view shows the root lock at step granularity
  /// (issue 16, item 2): from its micro-steps when they are loaded, else by replaying them
  /// without keeping them (``Replay/observeMicroStates(step:narration:keep:_:)``: once for the
  /// locks, once more to the featured micro-step for its world). Only for a step that may have
  /// locked and a world the diagram would draw (a replay of a very large fork costs more than
  /// its frame).
  mutating func loadStepLocks(_ timeline: Timeline) {
    guard stepLocks == nil, key.micro == nil, key.step > 0, DiagramLayout.drawable(self), DiagramLayout.mayLock(self)
    else { return }
    if let m = microSteps, m.step == key.step {
      stepLocks = StepLocks(m.states, start: stepStart, end: world)
      return
    }
    let replay = timeline.replay
    var observer = StepLocks.Observer(start: stepStart, end: world)
    let count = replay.observeMicroStates(step: key.step, narration: .quiet) { observer.observe($0, $1) }.count
    stepLocks = observer.locks
    if let f = observer.locks.featured,
      let moment = replay.observeMicroStates(step: key.step, keep: f, { _, _ in }).kept
    {
      stepLockMoment = (moment, f, count)
    }
  }

  /// A whole step's lock as the panes draw it: the world at the step's featured micro-step (the
  /// hold that covers the most of what survives the step, ``StepLocks/featured``, the one the
  /// diagram outlines), which micro-step that is and how many the step has; nil inside a
  /// micro-step (its own locks are drawn), when the step took no lock, or when every anon_vma
  /// its locks covered is freed by its end (the diagram says `not shown`).
  var lockMoment: (world: World, micro: Int, count: Int)? {
    guard let locks = diagram?.locks ?? stepLocks, locks.shown else { return nil }
    return featured(locks)
  }

  /// The world at `locks`' featured micro-step of this whole step, which micro-step that is and
  /// how many the step has: from the loaded micro-steps, else the one ``loadStepLocks(_:)`` kept.
  func featured(_ locks: StepLocks) -> (world: World, micro: Int, count: Int)? {
    guard key.micro == nil, let f = locks.featured, f >= 1 else { return nil }
    if let m = microSteps, m.step == key.step, f <= m.states.count { return (m.states[f - 1].world, f, m.states.count) }
    if let moment = stepLockMoment, moment.micro == f { return moment }
    return nil
  }

  /// The anon_vmas under a held lock on screen (the `▌` marks): at a micro-step its own holds; at
  /// a whole step those of `lockMoment` still alive after the step (the ones the diagram's
  /// outline covers), with the legend's words for them.
  var lockView: (covered: Set<AnonVMAID>, legend: LockLegend) {
    guard let moment = lockMoment else { return (Marks.lockedForest(world), LockLegend()) }
    let w = moment.world
    let covered = Marks.lockedForest(w).filter { world.anonVMA($0)?.alive == true }
    // The locks outlined: those covering an anon_vma that survives the step.
    let locked = w.lockHolders.keys.filter { lock in covered.contains { w.lockTarget(of: $0) == lock } }.sorted()
    let cpus = Set(locked.flatMap { (w.lockHolders[$0] ?? []).map(\.cpu) }).sorted().map { "cpu\($0)" }
    let names = locked.map { World.avName($0) }.joined(separator: " ")
    return (
      covered,
      LockLegend(
        long: "under \(names)'s lock (\(cpus.joined(separator: " ")), micro-step \(moment.micro)/\(moment.count))",
        short: "\(names) locked at micro-step \(moment.micro)/\(moment.count)")
    )
  }

  /// What the lock mark means, in words, and shorter for a short line.
  struct LockLegend: Sendable, Hashable {
    var long = "locked"
    var short = "locked"
  }

  /// The world on screen (after the step or the selected micro-step) and the one before it.
  static func worlds(_ timeline: Timeline, _ key: Key, _ microSteps: MicroSteps?) -> (World, World?) {
    let step = key.step
    if let micro = key.micro, let m = microSteps, m.step == step, micro < m.states.count {
      return (m.states[micro].world, micro == 0 ? timeline.states[step - 1] : m.states[micro - 1].world)
    }
    return (timeline.states[step], step > 0 ? timeline.states[step - 1] : nil)
  }
}

extension Layout {
  /// The VMAs of `prev` that `w` no longer has, by the raw id of their process, in
  /// `prev.orderedVMAs` order (walked in place: that list is thousands of ids).
  static func freedVMAs(_ w: World, previous prev: World) -> [Int: [VMAID]] {
    var freedOf: [Int: [VMAID]] = [:]
    func visit(_ v: VMAID) {
      guard !w.vmas.contains(v), let p = prev.vmas.withObject(v, { $0.process }) else { return }
      freedOf[p.raw, default: []].append(v)
    }
    for alive in [true, false] {
      for p in prev.processes.indices where prev.processes[p].alive == alive { prev.processes[p].vmas.forEach(visit) }
    }
    prev.detachedVMAs.forEach(visit)
    return freedOf
  }
}

/// A row of the VMA pane: a process, one of its VMAs, a VMA freed in this step or a fold.
struct VMARow {
  var process: ProcessID
  var vma: VMAID?
  var depth: Int
  /// A folded run of identical sibling subtrees: how many, and the first and last names.
  var folded: (count: Int, first: String, last: String)? = nil
  /// A VMA of `process` freed in this step (it exists only in the previous world).
  var freedVMA: VMAID? = nil
}

/// Processes in fork-tree order, each with its VMAs, then the ones an unfinished operation
/// detached from it, then the ones freed in this step. An exited process stays while it exited
/// this step, still owns detached VMAs, lost VMAs in this step or has a descendant shown, so a
/// VMA is always drawn under its own process and a process under its parent.

extension Layout {
  /// Processes in fork-tree order, each with its VMAs, then the ones an unfinished operation
  /// detached from it, then the ones freed in this step. An exited process stays while it exited
  /// this step, still owns detached VMAs, lost VMAs in this step or has a descendant shown, so a
  /// VMA is always drawn under its own process and a process under its parent.
  static func vmaRows(_ w: World, previous prev: World?, folding fold: Bool) -> [VMARow] {
    var rows: [VMARow] = []
    // The fields used below, read once; children lists and "has a live descendant" in one pass
    // each (children come after parents).
    let n = w.processes.count
    var parentOf = [Int?](repeating: nil, count: n)
    var aliveOf = [Bool](repeating: false, count: n)
    var vmasOf = [[VMAID]](repeating: [], count: n)
    for i in 0..<n {
      parentOf[i] = w.processes[i].parent?.raw
      aliveOf[i] = w.processes[i].alive
      vmasOf[i] = w.processes[i].vmas
    }
    var children = [[Int]](repeating: [], count: n)
    for c in 0..<n { if let parent = parentOf[c] { children[parent].append(c) } }
    // VMAs detached from their mm, and VMAs freed in this step, by process.
    var detachedOf: [Int: [VMAID]] = [:]
    for v in w.detachedVMAs { if let p = w.vmas.withObject(v, \.process) { detachedOf[p.raw, default: []].append(v) } }
    let freedOf = prev.map { freedVMAs(w, previous: $0) } ?? [:]
    var shown = aliveOf
    for p in 0..<n where !aliveOf[p] {
      let exitedNow = prev.map { p < $0.processes.count && $0.processes[p].alive } ?? false
      shown[p] = exitedNow || detachedOf[p] != nil || freedOf[p] != nil
    }
    for p in (0..<n).reversed() where shown[p] { if let parent = parentOf[p] { shown[parent] = true } }
    // Identical sibling subtrees (same VMAs, chain shapes and children, all alive) fold into one
    // row marked ×N when folding is on: a forking server of 200 children reads as a few rows.
    // A subtree's shape as a small number: equal numbers, identical subtrees. A process's shape
    // is its VMAs (mapping, first page, pages, protection, chain length) and its children's
    // numbers; shapes are found by a hash of their numbers and confirmed field by field against
    // the first process seen with that hash (no array or string hashed per process: this was
    // most of a cold frame of a 2,000-process forest).
    struct VMAShape: Equatable {
      var mapping: String
      var firstPage: Int
      var pages: Int
      var prot: Prot
      var chainLength: Int
    }
    let vmas = w.vmas  // captured alone: a capture of `w` copied the world per call
    func vmaShape(_ id: VMAID) -> VMAShape {
      vmas.withObject(id) { v in
        VMAShape(
          mapping: v.mapping, firstPage: v.firstPage, pages: v.pages, prot: v.prot, chainLength: v.chainTailFirst.count)
      } ?? VMAShape(mapping: "?", firstPage: 0, pages: 0, prot: .rw, chainLength: -1)
    }
    var signature = [Int?](repeating: nil, count: n)
    func sameShape(_ p: Int, _ q: Int) -> Bool {
      children[p].count == children[q].count && vmasOf[p].count == vmasOf[q].count
        && zip(children[p], children[q]).allSatisfy { signature[$0] == signature[$1] }
        && zip(vmasOf[p], vmasOf[q]).allSatisfy { vmaShape($0) == vmaShape($1) }
    }
    // Hash of a shape's numbers to the processes that first showed each shape with it.
    var firstWithHash: [Int: [Int]] = [:]
    firstWithHash.reserveCapacity(n)
    var shapeCount = 0
    if fold {
      for p in (0..<n).reversed() {
        // A process with detached or freed VMAs is not like its siblings: never folded.
        guard aliveOf[p], detachedOf[p] == nil, freedOf[p] == nil else { continue }
        var hasher = Hasher()
        var complete = true
        hasher.combine(children[p].count)
        for c in children[p] {
          guard let k = signature[c] else {
            complete = false
            break
          }
          hasher.combine(k)
        }
        guard complete else { continue }
        hasher.combine(vmasOf[p].count)
        for id in vmasOf[p] {
          w.vmas.withObject(id) { v in
            hasher.combine(v.firstPage)
            hasher.combine(v.pages)
            hasher.combine(v.chainTailFirst.count)
          }
        }
        let hash = hasher.finalize()
        if let q = firstWithHash[hash]?.first(where: { sameShape(p, $0) }) {
          signature[p] = signature[q]
        } else {
          signature[p] = shapeCount
          shapeCount += 1
          firstWithHash[hash, default: []].append(p)
        }
      }
    }
    enum Item {
      case process(Int, Int)
      case fold(Int, Int, String, String)
    }
    var stack: [Item] = (0..<n).filter { parentOf[$0] == nil }.reversed().map { .process($0, 0) }
    rows.reserveCapacity(n + vmasOf.reduce(0) { $0 + $1.count } + w.detachedVMAs.count)
    var items: [Item] = []  // one process's children, reused
    while let item = stack.popLast() {
      switch item {
      case .fold(let count, let depth, let first, let last):
        rows.append(VMARow(process: 0, vma: nil, depth: depth, folded: (count, first, last)))
      case .process(let p, let depth):
        if shown[p] {
          let id = ProcessID(p)
          rows.append(VMARow(process: id, vma: nil, depth: depth))
          for v in vmasOf[p] { rows.append(VMARow(process: id, vma: v, depth: depth)) }
          for v in detachedOf[p] ?? [] { rows.append(VMARow(process: id, vma: v, depth: depth)) }
          for v in freedOf[p] ?? [] { rows.append(VMARow(process: id, vma: nil, depth: depth, freedVMA: v)) }
        }
        // Children in order; runs of 3 or more identical subtrees become one child and a fold row.
        items.removeAll(keepingCapacity: true)
        var i = 0
        let kids = children[p]
        while i < kids.count {
          var j = i + 1
          if let sig = signature[kids[i]] { while j < kids.count && signature[kids[j]] == sig { j += 1 } }
          items.append(.process(kids[i], depth + 1))
          if j - i >= 3 {
            items.append(.fold(j - i - 1, depth + 1, w.processes[kids[i + 1]].name, w.processes[kids[j - 1]].name))
          } else {
            for k in (i + 1)..<j { items.append(.process(kids[k], depth + 1)) }
          }
          i = j
        }
        for it in items.reversed() { stack.append(it) }
      }
    }
    return rows
  }
}
