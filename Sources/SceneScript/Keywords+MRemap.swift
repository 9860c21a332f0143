import AnonVMASim

extension OperationSyntax {
  /// `mremap PROCESS MAPPING PAGE[..PAGE] to NEW [after MAPPING | before MAPPING] [dontunmap]`:
  /// the options in any order, each at most once, `after` and `before` not both.
  static func parseMremap(_ c: inout Cursor) -> Operation? {
    guard let p = c.ident("a process name"), let m = c.ident("a mapping name"),
      let (a, b, _) = c.range("a page range"), c.expectWord("to"), let target = c.ident("the new mapping's name")
    else { return nil }
    var args = MRemapArgs(process: p, mapping: m, first: a, last: b, target: target)
    var placed = false
    while let t = c.peek() {
      switch t.text {
      case "after", "before":
        _ = c.next()
        guard !placed else {
          c.error(.mremapOption, "'\(t.text)': the destination is already placed (give after or before once)", at: t)
          return nil
        }
        guard let n = c.ident("the mapping to place it \(t.text)") else { return nil }
        args.placement = t.text == "after" ? .after(n) : .before(n)
        placed = true
      case "dontunmap":
        _ = c.next()
        guard !args.dontUnmap else {
          c.error(.mremapOption, "'dontunmap' is given twice", at: t)
          return nil
        }
        args.dontUnmap = true
      default:
        c.error(
          .mremapOption,
          "unexpected argument '\(shown(t.text))' (mremap's options are after MAPPING, before MAPPING and dontunmap)",
          at: t)
        return nil
      }
    }
    return .mremap(args)
  }
}
