import AnonVMASim
import TermRender

extension ForestDiagram {
  /// Process boxes where the plan puts them: the live and exiting processes and the ones that
  /// exited in this step (``boxContents(_:_:previous:outside:before:)``), each at its planned row and depth, each VMA on its
  /// planned row in the box. A process the plan does not know (a world from elsewhere) goes
  /// below the planned ones; a VMA it does not know takes a free row of its box, or is left
  /// out when none is free.
  mutating func stackPlannedProcesses(_ w: World, previous: World?, plan: Plan) {
    var extra = plan.processBottom
    let outside = Self.outsideMM(w)
    let outsideBefore = previous.map(Self.outsideMM) ?? [:]
    for i in w.processes.indices {
      let p = ProcessID(i)  // a process's id is its index
      guard let (listed, life) = Self.boxContents(p, w, previous: previous, outside: outside, before: outsideBefore)
      else { continue }
      let planned = plan.processY[p] >= 0
      let depth = planned ? plan.processDepth[p] : 0
      var rect: Rect
      var placed: [(vma: VMAID, row: Int)] = []
      if planned {
        rect = Rect(x: 0, y: plan.processY[p], width: 0, height: plan.processHeight[p])
        placed = Self.plannedRows(listed, plan: plan, rows: rect.height - 2)
      } else {
        rect = Rect(x: 0, y: extra, width: 0, height: max(1, listed.count) + 2)
        placed = listed.enumerated().map { ($0.element, $0.offset) }
        extra += rect.height
      }
      var title = " \(w[process: p].name)"
      if depth > Self.maxIndented, let parent = w[process: p].parent {
        title += " child of \(w[process: parent].name)"
      }
      titles[p] = title + life.titleSuffix
      processes.append(
        ProcessBox(
          process: p, depth: depth, rect: rect,
          change: Self.change(of: p, w, previous, outside: outside, before: outsideBefore), vmas: placed.map(\.vma),
          rows: placed.map(\.row)))
    }
    height = max(plan.processBottom, extra)
  }

  /// The rows of a planned process box's VMAs (`listed`, in its `rows` inner rows), top to
  /// bottom: each VMA on its planned row, one the plan does not know on the first free row,
  /// left out when none is free.
  static func plannedRows(_ listed: [VMAID], plan: Plan, rows: Int) -> [(vma: VMAID, row: Int)] {
    var placed: [(vma: VMAID, row: Int)] = []
    var free = Set(0..<rows)
    var unplanned: [VMAID] = []
    for v in listed {
      if plan.vmaSlot[v] >= 0, free.remove(plan.vmaSlot[v]) != nil {
        placed.append((v, plan.vmaSlot[v]))
      } else {
        unplanned.append(v)
      }
    }
    for v in unplanned {
      guard let row = free.min() else { break }
      free.remove(row)
      placed.append((v, row))
    }
    placed.sort { $0.row < $1.row }
    return placed
  }
}
