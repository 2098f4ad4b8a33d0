using Spectre.Console;
using Spectre.Console.Rendering;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Output;

/// <summary>Tables for people: framed and titled on a terminal; plain, aligned columns under a header row otherwise,
/// which <c>grep</c>, <c>awk</c> and <c>column</c> read as they are.</summary>
internal static class Tables
{
    /// <summary>Writes <paramref name="frame"/> to <paramref name="console"/>; plain lines carry no trailing blanks.</summary>
    public static void Write(IAnsiConsole console, ShellFrame.Table frame, bool plain)
    {
        var table = Render(frame.Title, frame.Columns, frame.Rows, plain);
        if (!plain)
        {
            console.Write(table);
            return;
        }

        // Spectre pads every cell to its column's width, the last one included: render, then trim each line.
        var text = new StringWriter();
        var renderer = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(text),
        });
        renderer.Profile.Width = console.Profile.Width;
        renderer.Write(table);
        foreach (var line in text.ToString().Split('\n').SkipLast(1))
        {
            console.WriteLine(line.TrimEnd());
        }
    }

    public static Table Render(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows, bool plain)
    {
        var table = new Table { Border = plain ? TableBorder.None : TableBorder.Rounded };
        if (!plain && title.Length > 0)
        {
            table.Title = new TableTitle(title);
        }

        foreach (var name in columns)
        {
            var column = new TableColumn(new Text(name, plain ? Style.Plain : new Style(decoration: Decoration.Bold)));
            if (plain)
            {
                column.Padding(0, 0, 2, 0);
            }

            table.AddColumn(column);
        }

        foreach (var row in rows)
        {
            table.AddRow(columns.Select((_, i) => (IRenderable)new Text(i < row.Count ? row[i] : "")));
        }

        return table;
    }
}
