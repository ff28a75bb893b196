// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ISplitFactory} from "../../../src/interfaces/ISplitFactory.sol";
import {SplitFactory} from "../../../src/SplitFactory.sol";
import {TrackSplit} from "../../../src/TrackSplit.sol";
import {RecipientsTreeReference as Ref} from "../helpers/RecipientsTreeReference.sol";
import {BlocklistToken} from "../helpers/BlocklistToken.sol";
import {RevertingReceiver} from "../helpers/TestTokens.sol";

/// @notice Drives three splits with deposits, single releases and releaseMany, and keeps its own tally of what
/// each split received and what it paid to whom. Split 1 lists split 0 as a recipient (a remix paying its
/// original), so releases from split 1 to split 0 are deposits into split 0. One account ("common") is a recipient
/// of every split, the target of releaseMany. The ERC-20 has a blocklist that the handler toggles for EOA
/// recipients, and split 2 lists a contract that refuses ETH, so payouts get held; held balances are withdrawn to a
/// destination address (`sink`) by their accounts.
contract SplitHandler is Test {
    address internal constant ETH = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    uint256 internal constant SCALE = 1e6;

    SplitFactory public immutable factory;
    BlocklistToken public immutable token;
    address public immutable refuser;
    address public immutable sink;
    address public immutable common;

    TrackSplit[] public splits;
    mapping(uint256 index => address[]) internal _recipients;
    mapping(uint256 index => uint256[]) internal _shares;
    /// @dev Proofs built once with the reference tree (rebuilding them on every call made the suite slow).
    mapping(uint256 index => mapping(uint256 recipient => bytes32[])) internal _proofs;

    /// @notice The tally: what each split received per token (deposits and nested releases into it).
    mapping(address split => mapping(address token => uint256)) public received;
    /// @notice The tally: what each split paid each account per token.
    mapping(address split => mapping(address token => mapping(address account => uint256))) public paid;
    /// @notice The tally: what each EOA recipient got, over all splits, per token.
    mapping(address account => mapping(address token => uint256)) public gotTotal;

    uint256 public calls;

    /// @notice The tally: what each split holds for each account per token.
    mapping(address split => mapping(address token => mapping(address account => uint256))) public heldTally;
    /// @notice The tally: what held balances paid to the sink, per token.
    mapping(address token => uint256) public withdrawnToSink;

    constructor(SplitFactory factory_, BlocklistToken token_) {
        factory = factory_;
        token = token_;
        refuser = address(new RevertingReceiver());
        sink = address(uint160(uint256(keccak256("sink"))));
        common = address(uint160(uint256(keccak256("common recipient"))));
        // split 0: five recipients (the original)
        _add(_list(5, 1, address(0)), 0);
        // split 1: three recipients, one of which is split 0 (the remix)
        _add(_list(3, 2, address(splits[0])), 1);
        // split 2: three recipients, one of which refuses ETH
        _add(_list(3, 3, refuser), 2);
    }

    /// @notice Blocks or unblocks an EOA recipient of a split in the ERC-20.
    function setBlocked(uint256 splitSeed, uint256 recipientSeed, bool blocked) external {
        calls++;
        uint256 s = splitSeed % splits.length;
        address account = _recipients[s][recipientSeed % _recipients[s].length];
        if (isSplitRecipient(account)) return;
        token.setBlocked(account, blocked);
    }

    /// @notice A recipient withdraws what a split holds for it to the sink.
    function withdrawHeld(uint256 splitSeed, uint256 recipientSeed, bool eth) external {
        calls++;
        uint256 s = splitSeed % splits.length;
        address account = _recipients[s][recipientSeed % _recipients[s].length];
        address tok = eth ? ETH : address(token);
        TrackSplit split = splits[s];
        uint256 amount = split.held(tok, account);
        if (amount == 0) return;
        vm.prank(account);
        assertEq(split.withdrawHeld(tok, sink), amount, "withdrawHeld paid other than held");
        heldTally[address(split)][tok][account] -= amount;
        withdrawnToSink[tok] += amount;
    }

    // ---------------------------------------------------------------- actions

    function deposit(uint256 splitSeed, bool eth, uint256 amount) external {
        calls++;
        TrackSplit split = splits[splitSeed % splits.length];
        amount = bound(amount, 0, 1e27);
        address tok = eth ? ETH : address(token);
        if (eth) {
            vm.deal(address(this), amount);
            (bool ok,) = address(split).call{value: amount}("");
            require(ok, "deposit failed");
        } else {
            token.mint(address(split), amount);
        }
        received[address(split)][tok] += amount;
    }

    function release(uint256 splitSeed, bool eth, uint256 recipientSeed) external {
        calls++;
        uint256 s = splitSeed % splits.length;
        uint256 i = recipientSeed % _recipients[s].length;
        _releaseOne(s, eth ? ETH : address(token), i);
    }

    function releaseMany(bool eth, uint256 mask) external {
        calls++;
        address tok = eth ? ETH : address(token);
        (ISplitFactory.ReleaseRequest[] memory requests, uint256[] memory expected) = _requests(tok, mask);
        if (requests.length == 0) return;
        uint256[] memory heldBefore = new uint256[](requests.length);
        for (uint256 k = 0; k < requests.length; k++) {
            heldBefore[k] = TrackSplit(payable(requests[k].split)).held(tok, common);
        }
        uint256[] memory amounts = factory.releaseMany(requests, common);
        for (uint256 k = 0; k < requests.length; k++) {
            uint256 heldNow = TrackSplit(payable(requests[k].split)).held(tok, common) - heldBefore[k];
            assertEq(amounts[k] + heldNow, expected[k], "releaseMany credited other than the tally expects");
            assertTrue(amounts[k] == 0 || heldNow == 0, "paid and held at once");
            paid[requests[k].split][tok][common] += expected[k];
            heldTally[requests[k].split][tok][common] += heldNow;
            gotTotal[common][tok] += amounts[k];
        }
    }

    /// @dev The releaseMany requests for `common` from the splits selected by the low bits of `mask`.
    function _requests(address tok, uint256 mask)
        internal
        view
        returns (ISplitFactory.ReleaseRequest[] memory requests, uint256[] memory expected)
    {
        uint256 count = 0;
        for (uint256 s = 0; s < splits.length; s++) {
            if ((mask >> s) & 1 == 1) count++;
        }
        requests = new ISplitFactory.ReleaseRequest[](count);
        expected = new uint256[](count);
        uint256 k = 0;
        for (uint256 s = 0; s < splits.length; s++) {
            if ((mask >> s) & 1 == 0) continue;
            uint256 i = _indexOf(s, common);
            address split = address(splits[s]);
            uint256 share = _shares[s][i];
            requests[k] = ISplitFactory.ReleaseRequest(split, tok, share, _proofs[s][i]);
            expected[k] = _entitled(split, tok, share) - paid[split][tok][common];
            k++;
        }
    }

    // ---------------------------------------------------------------- views for the invariants

    function splitCount() external view returns (uint256) {
        return splits.length;
    }

    function recipientsOf(uint256 s) external view returns (address[] memory) {
        return _recipients[s];
    }

    function sharesOf(uint256 s) external view returns (uint256[] memory) {
        return _shares[s];
    }

    function proofOf(uint256 s, uint256 i) external view returns (bytes32[] memory) {
        return _proofs[s][i];
    }

    function isSplitRecipient(address account) public view returns (bool) {
        for (uint256 s = 0; s < splits.length; s++) {
            if (account == address(splits[s])) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- internals

    function _releaseOne(uint256 s, address tok, uint256 i) internal {
        TrackSplit split = splits[s];
        address account = _recipients[s][i];
        uint256 share = _shares[s][i];
        uint256 expected = _entitled(address(split), tok, share) - paid[address(split)][tok][account];
        uint256 heldBefore = split.held(tok, account);
        uint256 got = split.release(tok, account, share, _proofs[s][i]);
        uint256 heldNow = split.held(tok, account) - heldBefore;
        assertEq(got + heldNow, expected, "release credited other than the tally expects");
        assertTrue(got == 0 || heldNow == 0, "paid and held at once");
        paid[address(split)][tok][account] += expected;
        heldTally[address(split)][tok][account] += heldNow;
        if (isSplitRecipient(account)) received[account][tok] += got; // nested split: a deposit into it
        else gotTotal[account][tok] += got;
    }

    function _entitled(address split, address tok, uint256 share) internal view returns (uint256) {
        return received[split][tok] * share / SCALE;
    }

    function _indexOf(uint256 s, address account) internal view returns (uint256) {
        for (uint256 i = 0; i < _recipients[s].length; i++) {
            if (_recipients[s][i] == account) return i;
        }
        revert("not a recipient");
    }

    function _list(uint256 n, uint256 seed, address extra) internal view returns (address[] memory r) {
        r = new address[](n);
        for (uint256 i = 0; i < n; i++) {
            r[i] = address(uint160(uint256(keccak256(abi.encode("invariant recipient", seed, i)))));
        }
        r[0] = common;
        if (extra != address(0)) r[1] = extra;
        for (uint256 i = 1; i < n; i++) {
            address key = r[i];
            uint256 j = i;
            while (j > 0 && r[j - 1] > key) {
                r[j] = r[j - 1];
                j--;
            }
            r[j] = key;
        }
    }

    function _add(address[] memory r, uint256 seed) internal {
        uint256 n = r.length;
        uint256[] memory s = new uint256[](n);
        uint256 left = SCALE;
        for (uint256 i = 0; i + 1 < n; i++) {
            // uneven shares that do not divide amounts evenly, so rounding dust shows up
            s[i] = 1 + (uint256(keccak256(abi.encode(seed, i))) % (left / 2));
            left -= s[i];
        }
        s[n - 1] = left;
        uint256 index = splits.length;
        splits.push(TrackSplit(payable(factory.createSplit(r, s, bytes32(index)))));
        for (uint256 i = 0; i < n; i++) {
            _recipients[index].push(r[i]);
            _shares[index].push(s[i]);
            _proofs[index][i] = Ref.proof(r, s, i);
        }
    }
}
