import AnonVMASim

extension ForestDiagram {
  /// When each process, VMA and anon_vma of a timeline lives, for ``Plan``: read at
  /// checkpoints (every `stride`-th world), a birth or death between two found by binary
  /// search (both are monotone: a process or anon_vma, once dead, stays dead; ids are never
  /// reused). A VMA's life is read from its process's VMA list where the list changed between
  /// checkpoints.
  struct Lives {
    struct ProcessLife {
      var life: Life
      var parent: ProcessID?
      /// Every VMA the process ever had, in order of first sight.
      var vmas: [VMAID] = []
    }
    struct AnonVMALife {
      var life: Life
      /// The root (2.6.36, 6.x; set once, by `anon_vma_fork()`), or the anon_vma itself (2.6.34).
      var forest: AnonVMAID
      /// The VMA whose anon_vma it was when first seen.
      var anchor: VMAID?
    }

    /// Every process seen, in id order, and its life.
    var processIDs: [ProcessID] = []
    var processes = IDArray<Process, ProcessLife?>(absent: nil)
    /// Per VMA: its life, and its process (nil: never seen).
    var vmas = IDArray<VMA, Life>(absent: Life(birth: 0))
    var vmaProcess = IDArray<VMA, ProcessID?>(absent: nil)
    var maxVMA: VMAID = 0
    /// Every anon_vma seen, in id order, and its life (`absent` for one never seen).
    var anonVMAIDs: [AnonVMAID] = []
    var anonVMAs = IDArray<AnonVMA, AnonVMALife>(absent: AnonVMALife(life: Life(birth: 0), forest: 0))
    /// The most rows one world's stable nodes take, stacked: the alive ones and the ones freed
    /// since the world its diagram is drawn against (``stableNodeRows(_:previous:)``).
    var stableNodeRows = 0

    /// Whether process `p` is gone from `w`, its box drawn exited: not alive, and none of its
    /// VMAs left outside its mm (an exit waiting in `unlink_anon_vmas()` still has them: its box
    /// shows it exiting, as ``boxContents(_:_:previous:outside:before:)`` reads ``outsideMM(_:)``).
    static func isGone(_ p: ProcessID, _ w: World) -> Bool {
      !w[process: p].alive && outsideMM(w)[p] == nil
    }

    /// The first index in `range` where `holds` (false before it, true from it on; true at the
    /// range's end).
    static func first(in range: ClosedRange<Int>, where holds: (Int) -> Bool) -> Int {
      var lo = range.lowerBound
      var hi = range.upperBound
      while lo < hi {
        let mid = (lo + hi) / 2
        if holds(mid) { hi = mid } else { lo = mid + 1 }
      }
      return lo
    }

    mutating func scan(_ ws: [World], times: [Int], stride: Int) {
      guard !ws.isEmpty else { return }
      scanStableNodes(ws, times: times)
      var checkpoints = Array(Swift.stride(from: 0, to: ws.count, by: max(1, stride)))
      if checkpoints.last != ws.count - 1 { checkpoints.append(ws.count - 1) }
      var previous = -1
      var liveProcesses: [ProcessID] = []
      var liveAnonVMAs: [AnonVMAID] = []
      var birthIndex = IDArray<Process, Int>(absent: 0)
      var lists = IDArray<Process, [VMAID]>(absent: [])  // each process's VMA list at the last index read
      for cp in checkpoints {
        let w = ws[cp]
        let lo = previous + 1
        // Processes are numbered from 0 by creation: the new ones are the last.
        for n in processIDs.count..<w.processes.count {
          let p = ProcessID(n)
          let i = Self.first(in: lo...cp) { ws[$0].isAllocated(p) }
          processes[p] = ProcessLife(life: Life(birth: times[i]), parent: w[process: p].parent)
          processIDs.append(p)
          birthIndex[p] = i
          liveProcesses.append(p)
        }
        var still: [ProcessID] = []
        still.reserveCapacity(liveProcesses.count)
        for p in liveProcesses {
          let from = max(lo, birthIndex[p])
          if w[process: p].vmas != lists[p] { readVMAs(of: p, ws, times, from...cp, &lists[p]) }
          if !Self.isGone(p, w) {
            still.append(p)
          } else {
            let i = Self.first(in: from...cp) { Self.isGone(p, ws[$0]) }
            processes[p]?.life.death = times[i]
          }
        }
        liveProcesses = still
        // anon_vmas are numbered from 1 in sequence: the new ones follow the last seen.
        let known = anonVMAIDs.count
        if w.anonVMAs.count > known {
          for n in (known + 1)...w.anonVMAs.count {
            let a = AnonVMAID(n)
            let i = Self.first(in: lo...cp) { ws[$0].isAllocated(a) }
            let born = ws[i]
            let forest = a  // the root, read at the end
            let list = born.listVMAs(a)
            let anchor = list.first { born.vmas[$0]?.anonVMA == a } ?? list.first
            anonVMAs[a] = AnonVMALife(life: Life(birth: times[i]), forest: forest, anchor: anchor)
            anonVMAIDs.append(a)
            liveAnonVMAs.append(a)
          }
        }
        // A freed anon_vma a page still points at (page->mapping: a use-after-free, C12) is
        // drawn, freed, until no page does: it lives on until then.
        var dangling: Set<AnonVMAID>?
        liveAnonVMAs.removeAll { a in
          guard !w[anonVMA: a].alive else { return false }
          if dangling == nil { dangling = Self.danglingTargets(w) }
          if dangling?.contains(a) == true { return false }
          let i = Self.first(in: lo...cp) {
            ws[$0].isAllocated(a) && !ws[$0][anonVMA: a].alive && !Self.danglingTargets(ws[$0]).contains(a)
          }
          anonVMAs[a].life.death = times[i]
          return true
        }
        previous = cp
      }
      // The root is set after the anon_vma is allocated (`anon_vma_fork()`) and never changes
      // after: read it from the last world.
      if let last = ws.last, last.kernel != .v2_6_34 {
        for a in anonVMAIDs { anonVMAs[a].forest = last[anonVMA: a].root ?? a }
      }
    }

    /// ``stableNodeRows`` from every world (a world's stable nodes are a short list). A world
    /// is drawn against the one before it, but a step's own world (the last of its time, after
    /// its micro-steps) against the previous step's (`Layout.worlds`).
    mutating func scanStableNodes(_ ws: [World], times: [Int]) {
      var previousStep: Int?  // the last world of the time before the current one
      for i in ws.indices {
        if i > 0, times[i] != times[i - 1] { previousStep = i - 1 }
        guard !ws[i].stableNodes.isEmpty else { continue }
        let lastOfTime = i == ws.count - 1 || times[i + 1] != times[i]
        let before = lastOfTime && i > 0 && times[i - 1] == times[i] ? previousStep : i > 0 ? i - 1 : nil
        stableNodeRows = max(
          stableNodeRows, ForestDiagram.stableNodeRows(ws[i], previous: before.map { ws[$0] }))
      }
    }

    /// The freed anon_vmas a page not freed still points at (`page->mapping`).
    static func danglingTargets(_ w: World) -> Set<AnonVMAID> {
      var targets = Set<AnonVMAID>()
      for page in w.pages where !page.freed {
        if case .anon(let a) = page.mapping, !w[anonVMA: a].alive { targets.insert(a) }
      }
      return targets
    }

    /// Reads a process's VMA list at every index of `range`: a VMA not in the list before is
    /// born there, one no longer in it dies there.
    mutating func readVMAs(
      of p: ProcessID, _ ws: [World], _ times: [Int], _ range: ClosedRange<Int>, _ list: inout [VMAID]
    ) {
      for i in range {
        let now = ws[i][process: p].vmas
        guard now != list else { continue }
        for v in now where !list.contains(v) {
          if vmaProcess[v] == nil {
            vmas[v] = Life(birth: times[i])
            vmaProcess[v] = p
            processes[p]?.vmas.append(v)
            maxVMA = max(maxVMA, v)
          } else {
            vmas[v].death = Int.max  // back in the list: its life goes on
          }
        }
        for v in list where !now.contains(v) { vmas[v].death = times[i] }
        list = now
      }
    }
  }
}
