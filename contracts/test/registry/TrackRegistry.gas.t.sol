// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {ITrackRegistry} from "../../src/interfaces/ITrackRegistry.sol";
import {SplitFactory} from "../../src/SplitFactory.sol";
import {TrackRegistry} from "../../src/TrackRegistry.sol";
import {GasMeter} from "../splits/helpers/GasMeter.sol";

/// @notice Gas of registerTrack as a whole transaction (see GasMeter): a 2-recipient track registered by the
/// registrar for another controller, and by the controller itself (no role lookup).
/// @dev Measured before issue 11 (salt bytes32(trackId), open registration, no list in the event): 192,063 for
/// the same scenario. Now 198,167 by the registrar (+2,100 cold role slot, +64 bytes of calldata and event for the
/// salt and settleToSplit, the packed recipient list in SplitCreated) and 195,986 by the controller itself.
/// The scenario is prepared in setUp so the measured call starts cold, as a real transaction.
contract TrackRegistryGasTest is GasMeter {
    TrackRegistry internal registry;
    address internal registrar = makeAddr("registrar");
    address internal controller = makeAddr("controller");
    address[] internal recipients;
    uint256[] internal shares;

    function setUp() public {
        registry = new TrackRegistry(new SplitFactory(), address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), registrar);
        (address a, address b) = (makeAddr("artist"), makeAddr("producer"));
        (a, b) = a < b ? (a, b) : (b, a);
        recipients.push(a);
        recipients.push(b);
        shares.push(600_000);
        shares.push(400_000);
        // a first track, so the measured one is not the registry's very first (trackCount 0 -> 1)
        vm.prank(registrar);
        registry.registerTrack(controller, recipients, shares, 6, 0, bytes32(0), bytes32("first"), false);
    }

    function _gasRegister(address caller, bytes32 salt) internal returns (uint256) {
        bytes memory data = abi.encodeCall(
            ITrackRegistry.registerTrack, (controller, recipients, shares, 6, 0, keccak256("metadata"), salt, false)
        );
        vm.prank(caller);
        registry.registerTrack(controller, recipients, shares, 6, 0, keccak256("metadata"), salt, false);
        return _txGas(data);
    }

    function test_gas_registerTrack_2_byRegistrar() public {
        uint256 gas = _gasRegister(registrar, bytes32("second"));
        console.log("registerTrack 2 recipients by the registrar, tx gas:", gas);
        assertLe(gas, 200_000);
    }

    function test_gas_registerTrack_2_byController() public {
        uint256 gas = _gasRegister(controller, bytes32("second"));
        console.log("registerTrack 2 recipients by the controller itself, tx gas:", gas);
        assertLe(gas, 200_000);
    }
}
