import ArgumentParser
import Glibc
import SafeText
import ScenePlayer
import SceneScript
import StandardStreams

struct Quiz: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Self-study: predict the answer to each of a scene's questions (ask lines), then see the step.",
    discussion: """
      Line by line on standard input and output, so it works in a pipe: before each step that has \
      ask lines, the question is printed and one line is read as the answer, checked against the \
      model (blanks or commas between names; order matters for chains and walks). Then the step \
      and its narration are printed, and at the end the score. On a terminal, Tab completes the \
      names that exist before the step. An empty line or the end of input counts as no answer. \
      Exit status 0, 2 on a scene error.
      """)

  @Argument(help: "Scene file.")
  var file: String

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    guard let loaded = LoadedScene.load(file, options: limitOptions) else { throw ExitCode(2) }
    let t = loaded.timeline
    let total = t.questions.count
    print("\(TextSafety.escape(t.title)): \(total) question\(total == 1 ? "" : "s") in \(t.stepCount) steps")
    guard total > 0 else {
      print("this scene has no ask lines: nothing to quiz")
      return
    }
    var input = AnswerInput()
    var asked = 0
    var right = 0
    for k in 0...t.stepCount {
      if let c = t.chapters.first(where: { $0.step == k }) { print("\n== \(TextSafety.escape(c.title)) ==") }
      let info = t.steps[k]
      for q in t.questions(before: k) {
        asked += 1
        print("\nquestion \(asked)/\(total), before step \(k) (\(TextSafety.escape(info.label))):")
        print("  \(TextSafety.escape(q.question.prompt))")
        let expected = t.answer(q).text ?? ""
        guard let line = input.read(prompt: "> ", names: t.answerNames(for: q)) else {
          print("  no answer (end of input); the model says: \(expected)")
          continue
        }
        let given = Question.normalize(line)
        if given.isEmpty {
          print("  no answer; the model says: \(expected)")
        } else if given == expected {
          right += 1
          print("  right: \(expected)")
        } else {
          print("  wrong: you said \(TextSafety.escape(given)); the model says: \(expected)")
        }
      }
      print(k == 0 ? "step 0: start" : "step \(k)/\(t.stepCount): \(TextSafety.escape(info.label))")
      for s in info.say { print("  \u{201c}\(TextSafety.escape(s))\u{201d}") }
    }
    print("\nscore: \(right)/\(total)")
  }
}

/// Reads answers: a plain line from a pipe or file, or on a terminal a small line editor with
/// Tab completion (raw mode, restored before returning; ctrl-C stops with 130, ctrl-D ends input).
struct AnswerInput {
  let terminal = isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0
  var ended = false

  mutating func read(prompt: String, names: [String]) -> String? {
    guard !ended else { return nil }
    StandardOutput.write(prompt)
    StandardOutput.flush()
    let line = terminal ? edit(prompt: prompt, names: names) : readPlainLine()
    if line == nil { ended = true }
    // From a pipe the answer is not echoed by a terminal: the transcript shows it.
    if !terminal, let line { StandardOutput.write(line + "\n") }
    return line
  }

  /// One line of standard input without its line end, nil at the end of input.
  func readPlainLine() -> String? {
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while true {
      let n = Glibc.read(STDIN_FILENO, &byte, 1)
      if n < 0, errno == EINTR { continue }
      if n <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
      if byte == UInt8(ascii: "\n") { break }
      if bytes.count < 4096 { bytes.append(byte) }
    }
    if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The line editor: printable characters, backspace, Tab (completes; a second Tab lists the
  /// choices), enter; escape sequences (arrow keys) are ignored.
  func edit(prompt: String, names: [String]) -> String? {
    var saved = termios()
    guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return readPlainLine() }
    var raw = saved
    raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)
    defer { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
    var line = ""
    var listed = false
    func show(_ text: String) {
      StandardOutput.write(text)
      StandardOutput.flush()
    }
    while true {
      var byte: UInt8 = 0
      let n = Glibc.read(STDIN_FILENO, &byte, 1)
      if n < 0, errno == EINTR { continue }
      if n <= 0 { return line.isEmpty ? nil : line }
      switch byte {
      case 3:  // ctrl-C
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
        show("\n")
        Glibc.exit(130)
      case 4:  // ctrl-D
        if line.isEmpty {
          show("\n")
          return nil
        }
      case 10, 13:
        show("\n")
        return line
      case 9:
        let r = Completion.complete(line, among: names)
        if r.line != line {
          show(String(r.line.dropFirst(line.count)))
          line = r.line
        } else if !r.choices.isEmpty, listed {
          show("\n" + r.choices.joined(separator: "  ") + "\n" + prompt + line)
        }
        listed = r.line == line && !listed
      case 127, 8:
        if !line.isEmpty {
          line.removeLast()
          show("\u{8} \u{8}")
        }
      case 27:
        var seq: [UInt8] = [0, 0]
        _ = Glibc.read(STDIN_FILENO, &seq, 2)
      default:
        guard byte >= 32, byte < 127, line.count < 500 else { continue }
        line.append(Character(Unicode.Scalar(byte)))
        show(String(Character(Unicode.Scalar(byte))))
      }
    }
  }
}
