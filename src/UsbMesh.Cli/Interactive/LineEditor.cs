using System.Text;

namespace UsbMesh.Cli.Interactive;

/// <summary>
/// A line editor for the prompt on a terminal: the cursor keys, Home/End (Ctrl-A/Ctrl-E), Backspace/Delete,
/// Ctrl-U to clear, Up/Down through the history, Tab to complete (twice to list the candidates), Ctrl-C to drop the
/// line, Ctrl-D on an empty line to leave. The line is redrawn with ANSI sequences; it is not wrapped.
/// </summary>
internal sealed class LineEditor(History history, Func<IReadOnlyList<string>, string, IReadOnlyList<string>> complete) : ILineReader
{
    public Task<string?> ReadLineAsync(string prompt)
    {
        // Ctrl-C at the prompt edits the line; while a command runs it interrupts the command instead.
        Console.TreatControlCAsInput = true;
        try
        {
            return Task.FromResult(Read(prompt));
        }
        finally
        {
            Console.TreatControlCAsInput = false;
        }
    }

    private string? Read(string prompt)
    {
        var line = new StringBuilder();
        var cursor = 0;
        var browsing = history.Lines.Count;
        var edited = "";
        var lastWasTab = false;
        Console.Write(prompt);
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            var tab = key.Key == ConsoleKey.Tab;
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    history.Add(line.ToString().Trim());
                    return line.ToString();
                case ConsoleKey.C when control:
                    Console.WriteLine("^C");
                    return "";
                case ConsoleKey.D when control:
                    if (line.Length == 0)
                    {
                        Console.WriteLine();
                        return null;
                    }

                    break;
                case ConsoleKey.U when control:
                    line.Clear();
                    cursor = 0;
                    break;
                case ConsoleKey.A when control:
                case ConsoleKey.Home:
                    cursor = 0;
                    break;
                case ConsoleKey.E when control:
                case ConsoleKey.End:
                    cursor = line.Length;
                    break;
                case ConsoleKey.LeftArrow:
                    cursor = Math.Max(0, cursor - 1);
                    break;
                case ConsoleKey.RightArrow:
                    cursor = Math.Min(line.Length, cursor + 1);
                    break;
                case ConsoleKey.Backspace when cursor > 0:
                    line.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < line.Length:
                    line.Remove(cursor, 1);
                    break;
                case ConsoleKey.UpArrow when browsing > 0:
                case ConsoleKey.DownArrow when browsing < history.Lines.Count:
                    if (browsing == history.Lines.Count)
                    {
                        edited = line.ToString();
                    }

                    browsing += key.Key == ConsoleKey.UpArrow ? -1 : 1;
                    line.Clear().Append(browsing < history.Lines.Count ? history.Lines[browsing] : edited);
                    cursor = line.Length;
                    break;
                case ConsoleKey.Tab:
                    cursor = Complete(prompt, line, cursor, listing: lastWasTab);
                    break;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Insert(cursor++, key.KeyChar);
                    }

                    break;
            }

            lastWasTab = tab;
            Redraw(prompt, line, cursor);
        }
    }

    /// <summary>Completes the word before the cursor; on a second Tab in a row, lists what it could become.</summary>
    private int Complete(string prompt, StringBuilder line, int cursor, bool listing)
    {
        var text = line.ToString(0, cursor);
        var start = text.LastIndexOf(' ') + 1;
        var partial = text[start..];
        var before = CommandWords.Split(text[..start], out _) ?? [];
        var candidates = complete(before, partial);
        if (candidates.Count == 0)
        {
            return cursor;
        }

        var completion = candidates.Count == 1 ? candidates[0] + " " : Completion.CommonPrefix(candidates);
        if (completion.Length > partial.Length)
        {
            line.Remove(start, partial.Length).Insert(start, completion);
            return start + completion.Length;
        }

        if (listing)
        {
            Console.WriteLine();
            Console.WriteLine(string.Join("  ", candidates));
            Console.Write(prompt);
        }

        return cursor;
    }

    private static void Redraw(string prompt, StringBuilder line, int cursor)
    {
        var back = line.Length - cursor;
        Console.Write($"\r{prompt}{line}\u001b[K{(back > 0 ? $"\u001b[{back}D" : "")}");
    }
}
