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
      var parent: Int?
      /// Every VMA the process ever had, in order of first sight.
      var vmas: [Int] = []
    }
    struct AnonVMALife {
      var life: Life
      /// The root (2.6.36, 6.x; set once, by `anon_vma_fork()`), or the anon_vma itself (2.6.34).
      var forest: Int
      /// The VMA whose anon_vma it was when first seen.
      var anchor: Int?
    }

    var processes: [ProcessLife?] = []
    /// Per VMA id.
    var vmas: [Life] = []
    var vmaProcess: [Int?] = []
    var maxVMA = 0
    /// Per anon_vma id - 1.
    var anonVMAs: [AnonVMALife] = []

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
      var checkpoints = Array(Swift.stride(from: 0, to: ws.count, by: max(1, stride)))
      if checkpoints.last != ws.count - 1 { checkpoints.append(ws.count - 1) }
      var previous = -1
      var liveProcesses: [Int] = []
      var liveAnonVMAs: [Int] = []
      var birthIndex: [Int] = []
      var lists: [[Int]] = []  // each process's VMA list at the last index read
      for cp in checkpoints {
        let w = ws[cp]
        let lo = previous + 1
        for p in processes.count..<w.processes.count {
          let i = Self.first(in: lo...cp) { ws[$0].processes.count > p }
          processes.append(ProcessLife(life: Life(birth: times[i]), parent: w.processes[p].parent))
          birthIndex.append(i)
          lists.append([])
          liveProcesses.append(p)
        }
        var still: [Int] = []
        still.reserveCapacity(liveProcesses.count)
        for p in liveProcesses {
          let from = max(lo, birthIndex[p])
          if w.processes[p].vmas != lists[p] { readVMAs(of: p, ws, times, from...cp, &lists[p]) }
          if w.processes[p].alive {
            still.append(p)
          } else {
            let i = Self.first(in: from...cp) { !ws[$0].processes[p].alive }
            processes[p]?.life.death = times[i]
          }
        }
        liveProcesses = still
        let known = anonVMAs.count
        if w.anonVMAs.count > known {
          for a in (known + 1)...w.anonVMAs.count {
            let i = Self.first(in: lo...cp) { ws[$0].anonVMAs.count >= a }
            let born = ws[i]
            let forest = a  // the root, read at the end
            let list = born.listVMAs(a)
            let anchor = list.first { born.vmas[$0]?.anonVMA == a } ?? list.first
            anonVMAs.append(AnonVMALife(life: Life(birth: times[i]), forest: forest, anchor: anchor))
            liveAnonVMAs.append(a)
          }
        }
        liveAnonVMAs.removeAll { a in
          guard !w[anonVMA: a].alive else { return false }
          let i = Self.first(in: lo...cp) { ws[$0].anonVMAs.count >= a && !ws[$0][anonVMA: a].alive }
          anonVMAs[a - 1].life.death = times[i]
          return true
        }
        previous = cp
      }
      // The root is set after the anon_vma is allocated (`anon_vma_fork()`) and never changes
      // after: read it from the last world.
      if let last = ws.last, last.kernel != .v2_6_34 {
        for i in anonVMAs.indices { anonVMAs[i].forest = last[anonVMA: i + 1].root ?? i + 1 }
      }
    }

    /// Reads a process's VMA list at every index of `range`: a VMA not in the list before is
    /// born there, one no longer in it dies there.
    mutating func readVMAs(of p: Int, _ ws: [World], _ times: [Int], _ range: ClosedRange<Int>, _ list: inout [Int]) {
      for i in range {
        let now = ws[i].processes[p].vmas
        guard now != list else { continue }
        for v in now where !list.contains(v) {
          if v >= vmas.count {
            vmas += [Life](repeating: Life(birth: 0), count: v + 1 - vmas.count)
            vmaProcess += [Int?](repeating: nil, count: v + 1 - vmaProcess.count)
          }
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
