"""The chain gateway as a route dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.chain.gateway import ChainGateway


async def get_chain(request: Request) -> ChainGateway:
    chain: ChainGateway = request.app.state.chain
    return chain


Chain = Annotated[ChainGateway, Depends(get_chain)]
