using System.Text.Json;
using UsbMesh.Mesh.Membership;

namespace UsbMesh.Mesh.Tests.Membership;

public sealed class MembershipGossipTests
{
    [Fact]
    public void A_state_survives_a_json_round_trip_as_gossip()
    {
        var state = MembershipState.Empty
            .Join(Nodes.A, "pi-hub", ["pi-hub.local:7240"], true, 1).State
            .Join(Nodes.B, "desk", [], false, 0).State
            .MarkUnreachable(Nodes.A, Nodes.B).State
            .Down(Nodes.B).State;

        var json = JsonSerializer.Serialize(state.ToGossip());
        var back = MembershipState.FromGossip(JsonSerializer.Deserialize<MembershipGossip>(json)!);

        Assert.Equal(state, back);
        Assert.Contains($"\"{Nodes.A}\"", json, StringComparison.Ordinal);
        Assert.Contains("\"Down\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_ids_are_written_as_text_and_a_bad_one_is_a_json_error_that_says_why()
    {
        Assert.Equal($"\"{Nodes.A}\"", JsonSerializer.Serialize(Nodes.A));
        Assert.Equal(Nodes.A, JsonSerializer.Deserialize<NodeId>($"\"{Nodes.A}\""));
        Assert.Equal(Nodes.B, JsonSerializer.Deserialize<Dictionary<NodeId, int>>(JsonSerializer.Serialize(new Dictionary<NodeId, int> { [Nodes.B] = 1 }))!.Keys.Single());

        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<NodeId>("\"node-1!\""));
        Assert.Contains("cannot appear in a node id", error.Message, StringComparison.Ordinal);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<NodeId>("42"));
    }

    [Fact]
    public void Gossip_with_missing_lists_reads_as_empty_and_duplicates_merge()
    {
        var json = $$"""
            {"Members":[
              {"Id":"{{Nodes.A}}","Name":null,"Addresses":null,"RelayCapable":false,"Incarnation":0,"Status":"Up"},
              {"Id":"{{Nodes.A}}","Name":"a","Addresses":[],"RelayCapable":false,"Incarnation":0,"Status":"Leaving"}],
             "Reachability":null}
            """;

        var state = MembershipState.FromGossip(JsonSerializer.Deserialize<MembershipGossip>(json)!);

        Assert.Equal(new Member(Nodes.A, "a", [], false, 0, MemberStatus.Leaving), state.Members.Single());
        Assert.Empty(state.Reachability);
    }

    [Fact]
    public void Gossip_with_an_unknown_status_or_no_id_is_refused()
    {
        var unknownStatus = new MembershipGossip([new Member(Nodes.A, "a", [], false, 0, (MemberStatus)42)], []);
        var noId = new MembershipGossip([new Member(default, "a", [], false, 0, MemberStatus.Up)], []);

        Assert.Throws<FormatException>(() => MembershipState.FromGossip(unknownStatus));
        Assert.Throws<FormatException>(() => MembershipState.FromGossip(noId));
    }
}
