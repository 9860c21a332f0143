import TermRender
import Testing

@Suite("ANSI updates: the cursor planner and style transitions")
struct ANSITests {
  @Test("updates rewrite a short run of unchanged cells instead of moving the cursor, and move over long ones")
  func updateGaps() {
    var a = Buffer(width: 40, height: 2)
    a.put("abcdefghij", x: 0, y: 0)
    a.put("abcdefghijklmnopqrstuvwxyz", x: 0, y: 1)
    var b = a
    b.put("X", x: 1, y: 0)
    b.put("Y", x: 4, y: 0)  // two unchanged cells between: "cd" costs less than ESC[2C
    b.put("X", x: 1, y: 1)
    b.put("Y", x: 20, y: 1)  // 18 unchanged cells between: a cursor move
    let out = ANSIEncoder.update(from: a, to: b, colors: .none)
    #expect(out.contains("XcdY"))
    #expect(out.contains("X\u{1b}[18CY"))
    #expect(!out.contains("\u{1b}[1;5H"))
  }

  /// What an SGR sequence does to a style, as ECMA-48 and xterm define the codes we emit.
  static func applySGR(_ sequence: String, to style: Style) -> Style? {
    guard sequence.hasPrefix("\u{1b}["), sequence.hasSuffix("m") else { return nil }
    let body = sequence.dropFirst(2).dropLast()
    var s = style
    for part in body.isEmpty ? ["0"] : body.split(separator: ";", omittingEmptySubsequences: false).map(String.init) {
      guard let code = Int(part) else { return nil }
      switch code {
      case 0: s = .plain
      case 1: s.bold = true
      case 2: s.dim = true
      case 4: s.underline = true
      case 7: s.reverse = true
      case 22: (s.bold, s.dim) = (false, false)
      case 24: s.underline = false
      case 27: s.reverse = false
      case 30...37: s.fg = Color(rawValue: code - 30)
      case 90...97: s.fg = Color(rawValue: code - 90 + 8)
      case 39: s.fg = nil
      case 40...47: s.bg = Color(rawValue: code - 40)
      case 100...107: s.bg = Color(rawValue: code - 100 + 8)
      case 49: s.bg = nil
      default: return nil
      }
    }
    return s
  }

  @Test("a style change is the shortest SGR that gives exactly the new style, from any style")
  func sgrTransitions() {
    var styles: [Style] = []
    for bold in [false, true] {
      for dim in [false, true] {
        for reverse in [false, true] {
          for underline in [false, true] {
            for fg in [nil, Color.red, .brightCyan] {
              for bg in [nil, Color.blue] {
                styles.append(Style(fg: fg, bg: bg, bold: bold, dim: dim, reverse: reverse, underline: underline))
              }
            }
          }
        }
      }
    }
    for a in styles {
      for b in styles {
        let t = ANSIEncoder.transition(from: a, to: b, colors: .ansi16)
        if a == b {
          #expect(t.isEmpty)
          continue
        }
        #expect(Self.applySGR(t, to: a) == b, "\(a) → \(b) by \(t.debugDescription)")
        #expect(t.utf8.count <= ANSIEncoder.sgr(b, colors: .ansi16).utf8.count)
      }
    }
    // Without colors only the attributes count.
    #expect(ANSIEncoder.transition(from: Style(fg: .red), to: Style(fg: .green), colors: .none).isEmpty)
  }

  @Test("updates reach every change by absolute or relative moves, and replaying them gives the new frame")
  func updateReplays() {
    // A minimal terminal: CUP, CUU/CUD/CUF/CUB, CHA, CR, SGR (ignored) and narrow text.
    func replay(_ bytes: String, onto start: Buffer) -> Buffer {
      var screen = start
      var (x, y) = (0, 0)
      var scalars = bytes.unicodeScalars[...]
      while let c = scalars.first {
        scalars = scalars.dropFirst()
        if c == "\u{1b}", scalars.first == "[" {
          scalars = scalars.dropFirst()
          var params = ""
          while let p = scalars.first, !(p.value >= 0x40 && p.value <= 0x7e) {
            params.unicodeScalars.append(p)
            scalars = scalars.dropFirst()
          }
          let final = scalars.first.map(Character.init)
          scalars = scalars.dropFirst()
          let n = params.split(separator: ";").map { Int($0) ?? 1 }
          switch final {
          case "H": (y, x) = ((n.first ?? 1) - 1, (n.count > 1 ? n[1] : 1) - 1)
          case "A": y -= n.first ?? 1
          case "B": y += n.first ?? 1
          case "C": x += n.first ?? 1
          case "D": x -= n.first ?? 1
          case "G": x = (n.first ?? 1) - 1
          case "J": screen = Buffer(width: screen.width, height: screen.height)
          default: break
          }
          x = min(x, screen.width - 1)
        } else if c == "\r" {
          x = 0
        } else {
          screen.put(String(c), x: x, y: y)
          x += 1
        }
      }
      return screen
    }
    var rng = SystemRandomNumberGenerator()
    var a = Buffer(width: 30, height: 8)
    for y in 0..<8 { a.put(String(repeating: "·", count: 30), x: 0, y: y) }
    for _ in 0..<200 {
      var b = a
      for _ in 0..<Int.random(in: 1...12, using: &rng) {
        let text = String(repeating: "ab#", count: 3).prefix(Int.random(in: 1...6, using: &rng))
        b.put(String(text), x: Int.random(in: 0..<30, using: &rng), y: Int.random(in: 0..<8, using: &rng))
      }
      let out = ANSIEncoder.update(from: a, to: b, colors: .none)
      #expect(replay(out, onto: a).plainText == b.plainText, "\(out.debugDescription)")
      a = b
    }
    // Relative moves where they are shorter: straight down is ESC[B, not ESC[row;colH.
    var c = Buffer(width: 30, height: 8)
    var d = c
    d.put("x", x: 20, y: 2)
    d.put("y", x: 21, y: 3)
    c = Buffer(width: 30, height: 8)
    let out = ANSIEncoder.update(from: c, to: d, colors: .none)
    #expect(out.contains("x\u{1b}[By"))
  }
}
