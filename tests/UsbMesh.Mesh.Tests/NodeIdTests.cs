namespace UsbMesh.Mesh.Tests;

public sealed class NodeIdTests
{
    private static readonly NodeId Known = NodeId.FromPublicKey(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    [Fact]
    public void The_text_form_is_eight_groups_of_seven_crockford_characters_and_reads_back()
    {
        var text = Known.ToString();

        Assert.Matches("^([0-9A-HJKMNP-TV-Z]{7}-){7}[0-9A-HJKMNP-TV-Z]{7}$", text);
        Assert.Equal(Known, NodeId.Parse(text));
        Assert.Equal(text[..7], Known.Short);
    }

    [Fact]
    public void Case_dashes_spaces_and_look_alike_letters_do_not_matter()
    {
        var text = Known.ToString();
        var sloppy = text.Replace("-", " ", StringComparison.Ordinal).ToLowerInvariant().Replace('0', 'o').Replace('1', 'l');

        Assert.Equal(Known, NodeId.Parse(sloppy));
        Assert.Equal(Known, NodeId.Parse(text.Replace("-", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_single_mistyped_character_is_refused()
    {
        var text = Known.ToString().Replace("-", "", StringComparison.Ordinal);
        for (var i = 0; i < text.Length; i++)
        {
            var wrong = text[i] == 'Z' ? 'Y' : (char)(text[i] == '9' ? 'A' : text[i] + 1);
            var typo = text[..i] + wrong + text[(i + 1)..];
            Assert.False(NodeId.TryParse(typo, out _, out var error), $"a typo at {i} was accepted: {typo}");
            Assert.Contains("checksum", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Swapped_neighbours_are_refused()
    {
        var text = Known.ToString().Replace("-", "", StringComparison.Ordinal);
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (text[i] == text[i + 1])
            {
                continue;
            }

            var swapped = text[..i] + text[i + 1] + text[i] + text[(i + 2)..];
            Assert.False(NodeId.TryParse(swapped, out _, out _), $"a swap at {i} was accepted");
        }
    }

    [Theory]
    [InlineData("", "56 characters")]
    [InlineData("ABC", "56 characters")]
    [InlineData("U", "cannot appear")]
    [InlineData("!", "cannot appear")]
    public void Text_that_is_not_an_id_is_refused_with_a_reason(string text, string reason)
    {
        Assert.False(NodeId.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => NodeId.Parse(text));
    }

    [Fact]
    public void Ids_are_equal_exactly_when_their_keys_are()
    {
        var same = NodeId.FromPublicKey(Known.PublicKey);
        var other = NodeIdentity.Generate().Id;

        Assert.True(Known == same);
        Assert.Equal(Known.GetHashCode(), same.GetHashCode());
        Assert.True(Known != other);
        Assert.Throws<ArgumentException>(() => NodeId.FromPublicKey(new byte[31]));
    }
}
