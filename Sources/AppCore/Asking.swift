import ScenePlayer
import SceneScript
import TermRender

/// The `ask` lines before a step, put to the audience while the step before it is on screen.
public struct Asking: Sendable, Hashable {
  /// The step the questions are about (the next one).
  public var step: Int
  /// Whether the model's answers are shown.
  public var revealed: Bool
}

/// Questions answered by the model: → (or play) stops before a step that has `ask` lines and
/// shows them; `a` or → reveals the answers, computed from the world after the step; → then shows
/// the step. A question answered once is not asked again in the session.
extension AppState {
  /// Puts up the next step's questions, or reveals them when they are up. False when there is
  /// nothing to ask or reveal (the caller then moves to the step).
  mutating func askOrReveal() -> Bool {
    let next = step + 1
    if let a = asking, a.step == next {
      if a.revealed { return false }
      reveal()
      return true
    }
    guard askQuestions, !explore, step < timeline.stepCount, !answered.contains(next),
      !timeline.questions(before: next).isEmpty
    else { return false }
    card = nil
    micro = nil
    asking = Asking(step: next, revealed: false)
    return true
  }

  /// Shows the answers to the questions on screen.
  /// With none on screen, says why (`a` does nothing else).
  mutating func reveal() {
    guard let a = asking else {
      if timeline.questions.isEmpty {
        notice = .warning("no question on screen: this scene has no ask lines")
      } else if !askQuestions {
        notice = .warning("no question on screen: this scene's questions are put with play --ask")
      } else {
        notice = .warning("no question on screen: → stops before a step with ask lines and puts them")
      }
      return
    }
    guard !a.revealed else {
      notice = .warning("the answers are shown: → shows the step")
      return
    }
    asking?.revealed = true
    answered.insert(a.step)
  }

  /// The questions on screen as the narration pane shows them, with answers once revealed.
  var askedQuestion: AskedQuestion? {
    guard let a = asking, a.step <= timeline.stepCount else { return nil }
    let questions = timeline.questions(before: a.step)
    return AskedQuestion(
      step: a.step, label: timeline.steps[a.step].label, prompts: questions.map(\.question.prompt),
      answers: a.revealed ? questions.map { timeline.answer($0).text ?? "(no answer)" } : nil)
  }
}

/// What the narration pane shows of a question: the step it is about, the questions, and the
/// answers only once revealed (the audience view never holds them before).
struct AskedQuestion: Sendable, Hashable {
  var step: Int
  var label: String
  var prompts: [String]
  var answers: [String]?

  /// The question's lines at a width.
  func lines(width: Int, theme: Theme) -> [Line] {
    var lines = wrap([("? question before step \(step) (\(label)):", theme.strong)], width)
    for (i, p) in prompts.enumerated() {
      lines += wrap([("  " + p, theme.chapter)], width)
      if let answers, i < answers.count { lines += wrap([("  = " + answers[i], theme.strong)], width) }
    }
    let keys = theme.glyphs.up == "↑" ? "→" : "->"
    lines += wrap(
      [
        (
          answers == nil
            ? "  (a or \(keys) reveals the model's answer)" : "  (the model's answer; \(keys) runs the step)",
          theme.hint
        )
      ],
      width)
    return lines
  }
}
