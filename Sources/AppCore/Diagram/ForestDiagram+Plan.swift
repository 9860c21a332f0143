import AnonVMASim
import ScenePlayer

extension ForestDiagram {
  /// Where every object of a timeline stands for its whole lifetime, so a diagram drawn with
  /// it (``Options/plan``) keeps each process box, VMA row and anon_vma box in one place from
  /// step to step, micro-steps included: an audience never searches for what moved.
  ///
  /// Computed once from a timeline's worlds in time order. Each object lives from the first
  /// world that has it to the first that no longer has it (the step that shows it freed, `-`);
  /// objects are packed so that no two whose lives overlap share a row:
  /// - a process box sits under its parent (at its depth's column) below every earlier sibling
  ///   subtree that lives at the same time, so a new child appears at the end of its
  ///   generation and the place of one gone since is taken again; the subtree keeps its place
  ///   when the parent exits (no reparenting to the top level, as the unplanned diagram does);
  /// - a VMA keeps its row in its process's box (rows in order of birth, not address);
  /// - an anon_vma box sits in its forest's group (2.6.34: each anon_vma is its own), the
  ///   groups as high as the row of the VMA whose anon_vma the root was allows;
  /// - the columns (the process boxes' right edge, the arrow lanes, the anon_vma boxes' width)
  ///   are the widest the sampled worlds need: every world of a small timeline, evenly spaced
  ///   ones (and the largest) of a large one, where a longer label is cut with `…`.
  public struct Plan: Sendable {
    /// Per process: depth in the fork tree, top row, box height (-1: not planned).
    var processDepth = IDArray<Process, Int>(absent: -1)
    var processY = IDArray<Process, Int>(absent: -1)
    var processHeight = IDArray<Process, Int>(absent: -1)
    /// Per VMA: its row in its process's box (-1: not planned).
    var vmaSlot = IDArray<VMA, Int>(absent: -1)
    /// Per anon_vma: its box's top row (-1: not planned).
    var anonVMAY = IDArray<AnonVMA, Int>(absent: -1)
    /// The first row below the planned process boxes, and below the planned anon_vma boxes;
    /// the highest group's first row (where stable nodes beside the forest start).
    var processBottom = 0
    var anonVMABottom = 0
    var anonVMATop = 0
    /// The most anon_vmas the rmap_items of one world's stable nodes hold: the lanes reserved
    /// for their arrows (``ForestDiagram/placeStableNodesBeside(_:)``), so a node box stays put;
    /// the widest node box's inner width (``ForestDiagram/ksmInner(_:)``).
    var ksmLanes = 0
    var ksmInner = 0
    /// The most rows one world's stable nodes take under the anon_vmas.
    var stableNodeRows = 0
    /// The tallest world's height as planned: the stable nodes under the anon_vmas unless they
    /// stand beside the forest. What the pane puts under the diagram (the step's locks) stands
    /// on the row under it at every step.
    var timelineHeight: Int {
      if ksmBeside { return plannedHeight(stableNodeRows: 0) }
      if ksmUnder {
        let top = ForestDiagram.stableNodesUnderProcesses(plan: self, processHeight: processBottom)
        return max(top + stableNodeRows, anonVMABottom)
      }
      return plannedHeight(stableNodeRows: stableNodeRows)
    }
    /// The columns the stable nodes beside the forest take: a blank column, the lanes, a blank
    /// column, the box (0: no world has a stable node).
    var ksmColumns: Int { ksmInner == 0 ? 0 : 1 + 2 * ksmLanes + 1 + ksmInner + 2 }
    /// Whether the stable nodes stand beside the forest, for the whole timeline: when the
    /// widest diagram and their columns fit the width the plan was made for (or `maxWidth`).
    var ksmBeside: Bool { ksmBeside(in: maxWidth) }
    func ksmBeside(in maxWidth: Int?) -> Bool {
      ksmColumns > 0 && !narrowed && width + ksmColumns <= (maxWidth ?? .max)
    }
    /// Whether the stable nodes, when not beside the forest, stand under the process boxes (a
    /// blank row between) rather than under the anon_vmas: where the process column is the
    /// shorter and their boxes fit its width (``ksmFitsUnder``, measured with the columns). At
    /// 80×24 E6's K1 stood under AV3, below AV2 by 17 rows: the merge's two references (AV2's
    /// and AV3's `ext 1`) and K1 never fitted the window together.
    var ksmUnder: Bool { ksmUnder(in: maxWidth) }
    func ksmUnder(in maxWidth: Int?) -> Bool { ksmFitsUnder && !ksmBeside(in: maxWidth) }
    var ksmFitsUnder = false
    /// The columns: nil while the plan is being measured (the diagram takes its own).
    var processRight: Int?
    var lanes = 0
    var anonVMAInner = 0
    /// How the diagrams narrow themselves to the plan's width (nil before it is measured):
    /// one fit for the whole timeline, so nothing moves between steps.
    var fit: Fit?
    /// The widest diagram of the sampled worlds with these columns, the width asked for, and
    /// whether the diagrams had to narrow to it.
    public internal(set) var width = 0
    var maxWidth: Int?
    var narrowed = false
    /// How far apart the boxes and rows stand (``spacings``): spaced more in a wide pane whose
    /// rows hold the diagram so (``spacing(for:rows:)``), so a large terminal uses its rows.
    var spacing = 0
    /// Blank rows between boxes (process subtrees and anon_vma boxes).
    public var gap: Int { Self.spacings[spacing].gap }
    /// Rows from one VMA's row to the next in a process box (2: a blank row between, so the
    /// arrows of neighbouring VMAs run apart).
    public var vmaPitch: Int { Self.spacings[spacing].vmaPitch }
    /// Whether each VMA has its page-table entries written on the row under it (``ForestDiagram/pteRows``,
    /// `PTEs 0:pg1 rw, 1:pg2 ro KSM`): in the spacings with a row between VMAs, which a large pane
    /// gets, so a lecturer sees the pages without selecting them.
    public var pteRows: Bool { vmaPitch >= 2 }
    /// The rows the plan was asked to fit in, and the planned diagram's height at each spacing
    /// (empty when the pane is not wide).
    var maxRows: Int?
    var heights: [Int] = []

    /// The spacings, from the tightest (a narrow pane) to the loosest: more spreads a small
    /// forest too thin to read as one. From a pitch of 2 each VMA's PTEs take the row under it
    /// (``pteRows``); a pitch of 3 leaves a blank row after them.
    static let spacings: [(gap: Int, vmaPitch: Int)] = [
      (0, 1), (1, 1), (2, 1), (2, 2), (3, 2), (4, 2), (4, 3), (6, 3),
    ]

    /// The blank rows between boxes in a plan for `maxWidth`: one from ``wideFrom`` canvas
    /// columns (a 200-column terminal, its side column open), none below or without a width.
    static func rowGap(_ maxWidth: Int?) -> Int { (maxWidth ?? 0) >= wideFrom ? 1 : 0 }
    static let wideFrom = 150
    /// Columns added between the arrow lanes and the anon_vma boxes in a wide pane whose
    /// diagram leaves columns free: a third of them, at most ``maxLead``.
    var lead = 0
    static let maxLead = 12

    /// The spacing for a pane of `maxWidth` columns and `rows` rows: the tightest in a narrow
    /// pane; in a wide one the loosest whose diagram fits the rows (a blank row between boxes
    /// when none does, or the rows are not known).
    func spacing(for maxWidth: Int?, rows: Int?) -> Int {
      guard Self.rowGap(maxWidth) > 0 else { return 0 }
      guard let rows else { return 1 }
      return Self.spacings.indices.dropFirst().last { $0 < heights.count && heights[$0] <= rows } ?? 1
    }

    /// The planned diagram's height: the process boxes, or the anon_vma boxes and under them the
    /// most rows a world of the timeline's KSM stable nodes take (``Lives/stableNodeRows``).
    func plannedHeight(stableNodeRows: Int) -> Int { max(processBottom, anonVMABottom + stableNodeRows) }

    /// An anon_vma box's height in a planned diagram: always three lines (counters, list,
    /// pages), so a box does not grow when its first page arrives.
    static let anonVMAHeight = 5

    /// A plan over worlds in time order; `times[i]` is the step world `i` belongs to (a
    /// micro-step's world belongs to its step; by default each world is its own step).
    /// `checkpoints`: read every world this many apart, births and deaths between found by
    /// binary search (default: 1 for a small timeline, 16 for a large one; the same plan).
    /// `maxWidth`: the width the diagrams should fit in (``Fit``, as far as needed).
    /// `maxRows`: the rows the diagrams may fill; a wide pane spaces the boxes to fill them
    /// (``spacing(for:rows:)``).
    public init(
      _ worlds: [World], times: [Int]? = nil, checkpoints: Int? = nil, maxWidth: Int? = nil, maxRows: Int? = nil
    ) {
      let times = times ?? Array(worlds.indices)
      precondition(times.count == worlds.count, "one time per world")
      var lives = Lives()
      lives.scan(worlds, times: times, stride: checkpoints ?? Self.stride(worlds))
      self.init(worlds, lives: lives, maxWidth: maxWidth, maxRows: maxRows)
    }

    /// A plan over worlds whose lives are read: the process boxes and VMA rows placed by
    /// `processLives` (by default `lives`; a comparison's joint lives of both models, so a
    /// process stands on the same rows in both halves: ``aligned(_:_:maxWidth:maxRows:)``), the
    /// spacing the loosest whose height fits `maxRows` here and in `alongside` (the other
    /// model's heights at each spacing, in a comparison); the columns measured unless not
    /// `measured` (only the heights wanted).
    init(
      _ worlds: [World], lives: Lives, processLives: Lives? = nil, maxWidth: Int?, maxRows: Int?,
      alongside: [Int] = [], measured: Bool = true
    ) {
      let kernel = worlds.last?.kernel ?? .v2_6_36
      self.maxRows = maxRows
      stableNodeRows = lives.stableNodeRows
      if Self.rowGap(maxWidth) > 0, maxRows != nil {
        // The places at each spacing: the rows of every box depend on it (and on nothing else
        // that changes between steps), so one spacing serves the whole timeline.
        let stable = stableNodeRows
        var placed: [Plan] = []
        for i in Self.spacings.indices {
          var p = self
          p.spacing = i
          if i > 0 { p.place(lives, kernel: kernel, processLives: processLives) }
          placed.append(p)
        }
        heights = placed.map { $0.plannedHeight(stableNodeRows: stable) }
        for (i, h) in alongside.enumerated() where i < heights.count { heights[i] = max(heights[i], h) }
        let all = heights
        self = placed[spacing(for: maxWidth, rows: maxRows)]
        heights = all
      } else {
        spacing = Self.rowGap(maxWidth)
        place(lives, kernel: kernel, processLives: processLives)
      }
      let ksm = worlds.lazy.filter { !$0.stableNodes.isEmpty }
      ksmLanes = ksm.map(ForestDiagram.ksmTargets).max() ?? 0
      ksmInner = ksm.map(ForestDiagram.ksmInner).max() ?? 0
      if measured { measure(worlds, samples: Self.samples(worlds), maxWidth: maxWidth) }
    }

    /// A plan over a timeline's steps, and the micro-steps of each step when `microSteps` (the
    /// default for a timeline of up to 500 steps: objects that exist only inside a step get a
    /// place; a larger timeline replays every step for them, so it is left to ask).
    public init(_ timeline: Timeline, microSteps: Bool? = nil, maxWidth: Int? = nil, maxRows: Int? = nil) {
      let (worlds, times) = Self.worlds(timeline, microSteps: microSteps)
      self.init(worlds, times: times, maxWidth: maxWidth, maxRows: maxRows)
    }

    /// A timeline's worlds a plan reads, in time order, and the step each belongs to: every
    /// step's micro-steps (when `microSteps`; by default for up to 500 steps), then the step.
    static func worlds(_ timeline: Timeline, microSteps: Bool? = nil) -> (worlds: [World], times: [Int]) {
      let micro = microSteps ?? (timeline.stepCount <= 500)
      var worlds: [World] = []
      var times: [Int] = []
      for k in 0...timeline.stepCount {
        if micro {
          for state in timeline.microStates(step: k) {
            worlds.append(state.world)
            times.append(k)
          }
        }
        worlds.append(timeline.states[k])
        times.append(k)
      }
      return (worlds, times)
    }

    /// Checkpoints between which births and deaths are found by binary search: every world of
    /// a small timeline, every 16th of a large one.
    static func stride(_ worlds: [World]) -> Int {
      guard let last = worlds.last else { return 1 }
      return worlds.count * (last.processes.count + last.anonVMAs.count) > 400_000 ? 16 : 1
    }

    /// The worlds whose columns are measured: all of a small timeline, else about 60,000
    /// objects' worth evenly spaced (at least the last), and the one with the most VMAs.
    static func samples(_ worlds: [World]) -> [Int] {
      guard let last = worlds.last else { return [] }
      let size = max(1, last.processes.count + last.anonVMAs.count + last.vmas.count)
      let count = min(worlds.count, max(2, 60_000 / size))
      guard count < worlds.count else { return Array(worlds.indices) }
      var picked = Set((0..<count).map { $0 * (worlds.count - 1) / max(1, count - 1) })
      if let largest = worlds.indices.max(by: { worlds[$0].vmas.count < worlds[$1].vmas.count }) {
        picked.insert(largest)
      }
      return picked.sorted()
    }

    // MARK: Places

    /// Rows from the lives: VMA rows in each box, process boxes in the fork tree, anon_vma
    /// boxes in forest groups.
    mutating func place(_ lives: Lives, kernel: KernelVersion, processLives: Lives? = nil) {
      let anonVMALives = lives
      let lives = processLives ?? lives
      let last = lives.processIDs.last
      processDepth = IDArray(absent: -1, through: last)
      processY = processDepth
      processHeight = processDepth
      vmaSlot = IDArray(absent: -1, through: lives.maxVMA)
      var children = IDArray<Process, [ProcessID]>(absent: [], through: last)
      var roots: [ProcessID] = []
      for p in lives.processIDs {
        guard let life = lives.processes[p] else { continue }
        // VMA rows, in order of birth.
        let vmas = life.vmas.sorted { (lives.vmas[$0].birth, $0) < (lives.vmas[$1].birth, $1) }
        let slots = Packer.pack(vmas.map { (lives.vmas[$0], 1, 0) })
        for (v, slot) in zip(vmas, slots) { vmaSlot[v] = slot * vmaPitch }
        // The last VMA's PTE row too (``pteRows``).
        processHeight[p] = 2 + max(1, (slots.map { $0 * vmaPitch + (pteRows ? 2 : 1) }.max() ?? 1))
        if let parent = life.parent, parent < p, lives.processes[parent] != nil {
          processDepth[p] = processDepth[parent] + 1
          children[parent].append(p)
        } else {
          processDepth[p] = 0
          roots.append(p)
        }
      }
      // Subtrees bottom up (a child's index is larger than its parent's): each child below the
      // earlier siblings whose subtrees live at the same time.
      var subtreeLife = IDArray<Process, Life>(absent: Life(birth: 0), through: last)
      for p in lives.processIDs { subtreeLife[p] = lives.processes[p]?.life ?? Life(birth: 0) }
      var subtreeHeight = processHeight
      var offset = IDArray<Process, Int>(absent: 0, through: last)
      for p in lives.processIDs.reversed() where lives.processes[p] != nil {
        let kids = children[p]
        guard !kids.isEmpty else { continue }
        let ys = Packer.pack(kids.map { (subtreeLife[$0], subtreeHeight[$0] + gap, processHeight[p] + gap) })
        for (c, y) in zip(kids, ys) {
          offset[c] = y
          subtreeHeight[p] = max(subtreeHeight[p], y + subtreeHeight[c])
          subtreeLife[p].death = max(subtreeLife[p].death, subtreeLife[c].death)
        }
      }
      let rootYs = Packer.pack(roots.map { (subtreeLife[$0], subtreeHeight[$0] + gap, 0) })
      for (r, y) in zip(roots, rootYs) {
        processY[r] = y
        processBottom = max(processBottom, y + subtreeHeight[r])
      }
      for p in lives.processIDs where lives.processes[p] != nil && processY[p] < 0 {
        if let parent = lives.processes[p]?.parent { processY[p] = processY[parent] + offset[p] }
      }
      placeAnonVMAs(anonVMALives, kernel: kernel)
    }

    /// anon_vma boxes: members of a forest (by id, the root first) packed in its group; the
    /// groups (by root id) at or below the row of their root's VMA.
    mutating func placeAnonVMAs(_ lives: Lives, kernel: KernelVersion) {
      anonVMAY = IDArray(absent: -1, through: lives.anonVMAIDs.last)
      var forests: [AnonVMAID: [AnonVMAID]] = [:]
      for a in lives.anonVMAIDs { forests[lives.anonVMAs[a].forest, default: []].append(a) }
      let keys = forests.keys.sorted()
      var groups: [(life: Life, height: Int, floor: Int)] = []
      var members: [(ids: [AnonVMAID], ys: [Int])] = []
      for key in keys {
        let ids = forests[key] ?? []
        // A blank row between members (whatever the gap): a lock's outline runs there, so a
        // member the lock does not cover (freed in the step, or mainline's fresh anon_vma, its
        // own root until anon_vma_fork() sets it) never touches it.
        let ys = Packer.pack(ids.map { (lives.anonVMAs[$0].life, Self.anonVMAHeight + max(gap, 1), 0) })
        var life = lives.anonVMAs[ids[0]].life
        for id in ids { life.death = max(life.death, lives.anonVMAs[id].life.death) }
        var floor = 0
        if let vma = lives.anonVMAs[key].anchor, vmaSlot[vma] >= 0,
          let p = lives.vmaProcess[vma], processY[p] >= 0
        {
          floor = processY[p] + vmaSlot[vma]  // the box's first line on the VMA's row
        }
        // A blank row above the group's boxes (shared with the group above), where a lock's
        // outline runs, and the gap between boxes below them.
        let span = zip(ys, ids).map { $0.0 + Self.anonVMAHeight }.max() ?? 0
        groups.append((life, 1 + span + gap, max(0, floor - 1)))
        members.append((ids, ys))
      }
      let groupYs = Packer.pack(groups)
      anonVMATop = groupYs.map { $0 + 1 }.min() ?? 0
      for (g, y) in groupYs.enumerated() {
        for (id, dy) in zip(members[g].ids, members[g].ys) { anonVMAY[id] = y + 1 + dy }
        anonVMABottom = max(anonVMABottom, y + groups[g].height + 1)
      }
    }

    // MARK: Columns

    /// The columns: the widest each sampled world's diagram needs with these rows; when that
    /// is wider than `maxWidth`, with the first ``Fit`` that makes it fit (none when even the
    /// narrowest does not: that diagram scrolls anyway).
    mutating func measure(_ worlds: [World], samples: [Int], maxWidth: Int?) {
      var fit = Fit(lanes: 8)
      var m = columns(worlds, samples: samples, fit: fit)
      if let maxWidth, m.width > maxWidth {
        let widest = m.lanes
        let levels = Fit.levels(from: widest, maxLanes: 8, excess: m.width - maxWidth)
        // Whether a fit fits: the largest worlds first, stopping at the first that is too wide
        // (the width only grows with each world measured), so a fit that fails costs a few
        // diagrams, not one per world (a plan over every micro-step measures thousands).
        let largestFirst = samples.sorted { (worlds[$0].vmas.count, $0) > (worlds[$1].vmas.count, $1) }
        // Each fit measured once (``Fit/relaxed`` asks again about fits the search measured),
        // each sample's rows laid out once for all the fits (they depend on no fit).
        let measuring = self
        let rows = SampleRows()
        var measured: [Fit: Bool] = [:]
        func fits(_ fit: Fit) -> Bool {
          if let known = measured[fit] { return known }
          let fits = measuring.columns(worlds, samples: largestFirst, fit: fit, limit: maxWidth, rows: rows) != nil
          measured[fit] = fits
          return fits
        }
        // Narrowed only when the narrowest fits: a diagram that scrolls anyway keeps its arrows.
        if let last = levels.last, fits(last) {
          fit = levels.first(where: fits) ?? last
        }
        if fit != Fit(lanes: 8) {
          fit = Fit.relaxed(fit, lanes: widest, fits: fits)
          m = columns(worlds, samples: samples, fit: fit)
        }
        // The cuts come in a few widths (``Fit/labelWidths``, ``Fit/cutWidths``): the columns the
        // one taken leaves over widen it (E2 at 80x24: `list P1:A@0 P2:A@0`, was `list P1:A@0 …+1`
        // beside 6 empty columns at every step).
        // All the columns left when they fit, else the most that do (a wider cut can also spell
        // out a chain or a list entry the narrower one left out, so the width is not linear in it).
        for key in [\Fit.vmaLabelWidth, \Fit.anonVMAInner] {
          guard let cut = fit[keyPath: key], m.width < maxWidth else { continue }
          func widened(by extra: Int) -> Fit {
            var wider = fit
            wider[keyPath: key] = cut + extra
            return wider
          }
          var (fitting, tooWide) = (0, maxWidth - m.width + 1)
          if fits(widened(by: tooWide - 1)) {
            fitting = tooWide - 1
          } else {
            while tooWide - fitting > 1 {
              let middle = (fitting + tooWide) / 2
              if fits(widened(by: middle)) { fitting = middle } else { tooWide = middle }
            }
          }
          if fitting > 0 {
            fit = widened(by: fitting)
            m = columns(worlds, samples: samples, fit: fit)
          }
        }
      }
      self.fit = fit
      self.maxWidth = maxWidth
      narrowed = fit != Fit(lanes: 8)
      // Room to spare writes the lock outlines' labels whole, before it lengthens the arrows.
      // (A plan without a width serves the widths its diagrams fit in: they take what they want.)
      let room = maxWidth.map { $0 - m.width } ?? .max
      if !narrowed, m.wanted > m.inner, room > 0 {
        let wider = min(m.wanted - m.inner, room)
        m.inner += wider
        m.width += wider
      }
      if let maxWidth, Self.rowGap(maxWidth) > 0, !narrowed {
        lead = max(0, min(Self.maxLead, (maxWidth - m.width) / 3))
        // The stable nodes beside the forest come first: the lead takes only what they leave.
        let room = maxWidth - m.width - ksmColumns
        if ksmColumns > 0, room >= 0 { lead = min(lead, room) }
      }
      width = m.width + lead
      processRight = m.right
      ksmFitsUnder = ksmInner > 0 && ksmInner + 2 <= m.right + 1 && processBottom + 1 < anonVMABottom
      lanes = m.lanes
      anonVMAInner = m.inner
    }

    /// Whether this plan is the one a plan for `maxWidth` and `rows` would be: made for that
    /// width, or for any width its diagrams fit in without narrowing, with the stable nodes
    /// where that width puts them (``ksmBeside``) and the spacing those rows give
    /// (``spacing(for:rows:)``).
    public func serves(_ maxWidth: Int?, rows: Int? = nil) -> Bool {
      guard maxWidth != self.maxWidth else { return spacing == spacing(for: maxWidth, rows: rows) }
      return !narrowed && width <= (maxWidth ?? Int.max) && ksmBeside(in: maxWidth) == ksmBeside
        && spacing == spacing(for: maxWidth, rows: rows)
    }

    /// The columns the sampled worlds need with `fit`, and the width of the widest diagram.
    func columns(_ worlds: [World], samples: [Int], fit: Fit) -> Columns {
      // Without a limit the measure runs to the end.
      columns(worlds, samples: samples, fit: fit, limit: .max) ?? Columns()
    }

    /// What the sampled worlds need: the process boxes' right edge, the lanes, the anon_vma
    /// boxes' inner width (and the width that writes every lock label whole), the whole width.
    struct Columns {
      var right = 0
      var lanes = 0
      var inner = 0
      var wanted = 0
      var width = 0
    }

    /// ``columns(_:samples:fit:)``, or nil as soon as the width is over `limit` (the worlds after
    /// it are not measured).
    func columns(_ worlds: [World], samples: [Int], fit: Fit, limit: Int, rows: SampleRows? = nil) -> Columns? {
      var measuring = self
      measuring.fit = fit
      measuring.processRight = nil
      var right = 0
      var lanes = 0
      var inner = 0
      var wanted = 0
      var tail = 0
      // As ``placeColumns`` lays them out: boxes, lanes, anon_vma boxes, root trunk, the rest.
      var width: Int { right + 1 + 2 + 2 * lanes + 2 + inner + 2 + 3 + tail }
      for i in samples {
        let options = Options(previous: i > 0 ? worlds[i - 1] : nil, plan: measuring)
        // The rows follow the plan's places, not its fit: the same for every fit measured.
        let d =
          rows?.rows(i, worlds[i], options).laidOut(worlds[i], fit: fit) ?? ForestDiagram(worlds[i], options: options)
        right = max(right, d.neededRight)
        lanes = max(lanes, d.usedLanes)
        inner = max(inner, d.neededAnonVMAInner)
        wanted = max(wanted, d.wantedAnonVMAInner)
        tail = max(tail, d.neededTail)
        if width > limit { return nil }
      }
      return Columns(right: right, lanes: lanes, inner: inner, wanted: wanted, width: samples.isEmpty ? 0 : width)
    }
  }

  /// The rows of the worlds a plan measures (``Plan/columns(_:samples:fit:limit:rows:)``), each
  /// laid out once while the plan tries its fits, released with the search.
  final class SampleRows {
    private var rows: [Int: ForestDiagram] = [:]
    func rows(_ i: Int, _ world: World, _ options: Options) -> ForestDiagram {
      if let known = rows[i] { return known }
      let made = ForestDiagram(rows: world, options: options)
      rows[i] = made
      return made
    }
  }

  /// A closed interval of steps an object (or a subtree of them) is drawn in.
  struct Life: Sendable, Hashable {
    var birth: Int
    /// The step that shows it gone; `Int.max` while it lives at the end.
    var death = Int.max
    func overlaps(_ o: Life) -> Bool { birth <= o.death && o.birth <= death }
  }

  /// Places items in order, each at the lowest row at or below its floor and below every
  /// earlier item whose life overlaps its own (so a row is taken again once its object is
  /// gone): `O(n log n)` with a max segment tree over the lives' compressed steps.
  enum Packer {
    static func pack(_ items: [(life: Life, height: Int, floor: Int)]) -> [Int] {
      guard items.count > 1 else { return items.map(\.floor) }
      let steps = Array(Set(items.flatMap { [$0.life.birth, $0.life.death] })).sorted()
      func index(_ s: Int) -> Int {
        var lo = 0
        var hi = steps.count - 1
        while lo < hi {
          let mid = (lo + hi) / 2
          if steps[mid] < s { lo = mid + 1 } else { hi = mid }
        }
        return lo
      }
      var tree = MaxTree(size: steps.count)
      var ys: [Int] = []
      ys.reserveCapacity(items.count)
      for item in items {
        let range = index(item.life.birth)...index(item.life.death)
        let y = max(item.floor, tree.max(over: range))
        tree.raise(range, to: y + item.height)
        ys.append(y)
      }
      return ys
    }
  }

  /// Range "raise to at least" and range maximum over `0..<size`.
  struct MaxTree {
    var best: [Int]
    var tag: [Int]
    let size: Int
    init(size: Int) {
      self.size = size
      best = [Int](repeating: 0, count: 4 * size)
      tag = best
    }
    func max(over r: ClosedRange<Int>) -> Int { query(1, 0, size - 1, r) }
    mutating func raise(_ r: ClosedRange<Int>, to v: Int) { update(1, 0, size - 1, r, v) }
    private func query(_ n: Int, _ lo: Int, _ hi: Int, _ r: ClosedRange<Int>) -> Int {
      if r.upperBound < lo || hi < r.lowerBound { return 0 }
      if r.lowerBound <= lo && hi <= r.upperBound { return best[n] }
      let mid = (lo + hi) / 2
      return Swift.max(tag[n], query(2 * n, lo, mid, r), query(2 * n + 1, mid + 1, hi, r))
    }
    private mutating func update(_ n: Int, _ lo: Int, _ hi: Int, _ r: ClosedRange<Int>, _ v: Int) {
      if r.upperBound < lo || hi < r.lowerBound { return }
      best[n] = Swift.max(best[n], v)
      if r.lowerBound <= lo && hi <= r.upperBound {
        tag[n] = Swift.max(tag[n], v)
        return
      }
      let mid = (lo + hi) / 2
      update(2 * n, lo, mid, r, v)
      update(2 * n + 1, mid + 1, hi, r, v)
    }
  }
}
