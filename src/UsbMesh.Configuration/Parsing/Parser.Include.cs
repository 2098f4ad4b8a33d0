using System.Text;
using UsbMesh.Configuration.Loading;
using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Parsing;

internal sealed partial class Parser
{
    private const string IncludeForms =
        "a quoted file name, file(\"…\"), required(\"…\") or required(file(\"…\")) after include";

    /// <summary>
    /// <c>include "name"</c>, <c>include file("name")</c>, <c>include required(…)</c> (also url(…) and classpath(…),
    /// which the loader rejects). The included root object's fields are merged in at this point, as if written here.
    /// </summary>
    private void Include(HoconObject target, IReadOnlyList<string> path)
    {
        var keyword = Next();
        SkipBlank();

        // The tokenizer sees required(file( and )) as unquoted text; whitespace may appear around the parentheses.
        var argument = Peek;
        var opening = UnquotedRun(allowNewlines: true);
        if (Peek.Kind != TokenKind.QuotedString)
        {
            throw ConfigErrors.Expected(IncludeForms, argument);
        }

        var name = Next();
        var closing = UnquotedRun(allowNewlines: false);

        var required = opening.StartsWith("required(", StringComparison.Ordinal);
        var form = required ? opening["required(".Length..] : opening;
        IncludeKind? kind = form switch
        {
            "" => IncludeKind.Heuristic,
            "file(" => IncludeKind.File,
            "url(" => IncludeKind.Url,
            "classpath(" => IncludeKind.Classpath,
            _ => null,
        };
        var parentheses = (required ? 1 : 0) + (kind is IncludeKind.Heuristic ? 0 : 1);
        if (kind is not { } includeKind || closing != new string(')', parentheses))
        {
            throw ConfigErrors.At(name.Origin, $"expected {IncludeForms}, found 'include {opening}\"{name.Text}\"{closing}'");
        }

        var included = _loader.Include(new IncludeRequest(name.Text, includeKind, required), keyword.Origin, _source, [.. _prefix, .. path]);
        foreach (var (key, value) in included.Fields)
        {
            Set(target, key, value);
        }
    }

    private string UnquotedRun(bool allowNewlines)
    {
        var text = new StringBuilder();
        while (Peek.Kind == TokenKind.UnquotedText || Peek.Kind == TokenKind.Whitespace
            || (allowNewlines && Peek.Kind == TokenKind.Newline))
        {
            var token = Next();
            if (token.Kind == TokenKind.UnquotedText)
            {
                text.Append(token.Text);
            }
        }

        return text.ToString();
    }
}
