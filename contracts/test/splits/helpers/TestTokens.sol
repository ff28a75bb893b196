// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A plain 6-decimal ERC-20 with open minting, for the split tests.
contract TestToken is ERC20 {
    constructor() ERC20("Test USD", "tUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice An ERC-20 whose transfer returns false instead of reverting (SafeERC20 must catch it).
contract FalseReturningToken is TestToken {
    function transfer(address, uint256) public pure override returns (bool) {
        return false;
    }
}

/// @notice A recipient that refuses ETH.
contract RevertingReceiver {
    error NoThanks();

    receive() external payable {
        revert NoThanks();
    }
}

interface IReleasable {
    function release(address token, address account, uint256 share, bytes32[] calldata proof) external returns (uint256);
}

/// @notice A recipient that tries to release itself again from inside its receive hook.
contract ReentrantReceiver {
    address public split;
    uint256 public share;
    bytes32[] public proof;
    uint256 public reentries;
    uint256 public reentryPaid;

    function arm(address split_, uint256 share_, bytes32[] calldata proof_) external {
        split = split_;
        share = share_;
        proof = proof_;
    }

    receive() external payable {
        if (reentries == 0) {
            reentries = 1;
            reentryPaid =
                IReleasable(split).release(0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE, address(this), share, proof);
        }
    }
}

/// @notice A recipient that burns every unit of gas it is given when it receives ETH.
contract GasBurningReceiver {
    receive() external payable {
        while (true) {}
    }
}

/// @notice A payer that pays with Solidity's `transfer` (2,300-gas stipend), as many EIP-2981 payers do.
contract StipendPayer {
    function pay(address payable to) external payable {
        to.transfer(msg.value);
    }

    function paySend(address payable to) external payable returns (bool) {
        return to.send(msg.value);
    }
}

/// @notice A contract account that refuses ETH but signs through ERC-1271 with its owner's key.
contract Erc1271Wallet {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 digest, bytes calldata signature) external view returns (bytes4) {
        (bytes32 r, bytes32 s) = abi.decode(signature[:64], (bytes32, bytes32));
        address signer = ecrecover(digest, uint8(signature[64]), r, s);
        return signer == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }

    function call(address target, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "not owner");
        (bool ok, bytes memory out) = target.call(data);
        require(ok, "call failed");
        return out;
    }
}
