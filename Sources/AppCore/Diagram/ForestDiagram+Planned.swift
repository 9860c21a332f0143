import AnonVMASim
import TermRender

extension ForestDiagram {
  /// Process boxes where the plan puts them: the live processes and the ones that exited in
  /// this step (with the VMAs they had), each at its planned row and depth, each VMA on its
  /// planned row in the box. A process the plan does not know (a world from elsewhere) goes
  /// below the planned ones; a VMA it does not know takes a free row of its box, or is left
  /// out when none is free.
  mutating func stackPlannedProcesses(_ w: World, previous: World?, plan: Plan) -> [(process: Int, depth: Int)] {
    var order: [(process: Int, depth: Int)] = []
    var extra = plan.processBottom
    for p in w.processes.indices {
      let alive = w.processes[p].alive
      guard alive || (previous.map { p < $0.processes.count && $0.processes[p].alive } ?? false) else { continue }
      let source = alive ? w : (previous ?? w)
      let listed = source.processes[p].vmas.filter { source.vmas[$0] != nil }
      let planned = p < plan.processY.count && plan.processY[p] >= 0
      let depth = planned ? plan.processDepth[p] : 0
      var rect: Rect
      var placed: [(vma: Int, row: Int)] = []
      if planned {
        rect = Rect(x: 0, y: plan.processY[p], width: 0, height: plan.processHeight[p])
        var free = Set(0..<(rect.height - 2))
        var unplanned: [Int] = []
        for v in listed {
          if v < plan.vmaSlot.count, plan.vmaSlot[v] >= 0, free.remove(plan.vmaSlot[v]) != nil {
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
      } else {
        rect = Rect(x: 0, y: extra, width: 0, height: max(1, listed.count) + 2)
        placed = listed.enumerated().map { ($0.element, $0.offset) }
        extra += rect.height
      }
      var title = " \(w.processes[p].name)"
      if depth > Self.maxIndented, let parent = w.processes[p].parent {
        title += " child of \(w.processes[parent].name)"
      }
      titles[p] = title + (alive ? " " : " exited ")
      order.append((p, depth))
      processes.append(
        ProcessBox(
          process: p, depth: depth, rect: rect, change: Self.change(of: p, w, previous), vmas: placed.map(\.vma),
          rows: placed.map(\.row)))
    }
    height = max(plan.processBottom, extra)
    return order
  }
}
