"""placeholder"""

from fastapi import APIRouter

routers: tuple[APIRouter, ...] = ()
