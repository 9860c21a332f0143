import AnonVMASim
import Conformance
import TermRender

/// `play --conform`: what the viewer shows of the kernel's record (``KernelRecord``), for the
/// timeline that ran on the kernel only (not in a what-if branch or explore mode).
extension AppState {
  /// The kernel's record of the step on screen, if there is one to show.
  var kernelStep: KernelStep? {
    guard branchedAt == nil, !explore else { return nil }
    return kernelRecord?.steps[step]
  }

  /// The status line's mark of the step on screen: `✓`, `✗2`, `–` (nil without a record).
  var kernelMark: String? { KernelText.mark(kernelStep, ascii: options.ascii) }

  /// The narration's lines about the kernel: the step's verdict and each disagreement (model
  /// against kernel); at step 0, the tally of the whole scene.
  func kernelNarration(_ theme: Theme) -> [(String, Style)] {
    guard let record = kernelRecord, branchedAt == nil, !explore else { return [] }
    guard step > 0 else {
      let t = record.tally
      let rest = t.notCompared > 0 ? ", \(t.notCompared) not run here" : ""
      return [
        (
          "Linux \(record.release): \(t.agreed) of \(t.compared) steps agree with the \(timeline.kernel.rawValue) model\(rest) "
            + "(the status line marks each step; enter on a VMA or a page shows the kernel's facts)", theme.hint
        )
      ]
    }
    let lines = KernelText.narration(kernelStep, release: record.release, ascii: options.ascii)
    let bad: Bool
    if case .disagreed = kernelStep?.verdict { bad = true } else { bad = false }
    return lines.map { ($0, bad ? theme.error : theme.hint) }
  }

  /// The inspector's lines of the kernel's facts beside the model's, for a VMA (its range and
  /// pages), a process (its VMAs) or a page (each place the model maps it).
  func kernelInspector(_ subject: Inspector.Subject) -> [String] {
    guard let record = kernelRecord, let kernel = kernelStep else { return [] }
    let w = layout.world
    let head = ["", KernelText.inspectorHead(kernel, step: step, release: record.release)]
    switch subject {
    case .vma(let id):
      guard let v = w.vmas[id] else { return [] }
      return head
        + KernelText.inspector(
          process: w[process: v.process].name, start: v.start, end: v.end, step: kernel, world: w,
          ascii: options.ascii)
    case .process(let p):
      guard w.isAllocated(p) else { return [] }
      return head + KernelText.process(w[process: p].name, step: kernel, ascii: options.ascii)
    case .page(let id):
      guard w.isAllocated(id), !w[page: id].freed else { return [] }
      let places = ForestDiagram.places(of: id, in: w).map { (process: w[process: $0.process].name, vpage: $0.vpage) }
      return head + KernelText.page(places, step: kernel, world: w, ascii: options.ascii)
    case .anonVMA, .stableNode, .nothing:
      return []
    }
  }
}
